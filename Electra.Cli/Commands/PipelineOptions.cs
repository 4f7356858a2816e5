using Electra.Core.Backend;
using Electra.Models.Pipelines;

namespace Electra.Cli.Commands;

/// <summary>The values of the options every pipeline command shares (read by <see cref="Options.PipelineOptionGroup"/>).</summary>
internal sealed record PipelineOptions(string? Model, string? Revision, string? Backend, int? Threads, string? Device, string? Input, bool Json, int BatchSize,
    string? Quantize = null)
{
    /// <summary>JSON lines when asked for or when reading a file; a table otherwise.</summary>
    public bool JsonOutput => Json || Input is not null;

    public PipelineSettings Settings => new(BatchSize);

    /// <summary>--precision: f32 (null) or f16.</summary>
    public string? Precision { get; init; }

    public IBackend CreateBackend() => BackendFactory.Create(Backend, Threads, Device, Quantize, Precision);

    /// <summary>The model folder: --model resolved (a folder, or a hub id in the local Hugging Face cache), or the built-in default when the command has one.</summary>
    public string ModelFolder(Func<string>? defaultModel, string command) =>
        Model is not null ? ModelDirectory.Resolve(Model, Revision)
        : defaultModel is not null ? defaultModel()
        : throw new UsageException($"{command} needs --model DIR");
}
