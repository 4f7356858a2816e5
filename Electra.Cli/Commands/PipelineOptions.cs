using Electra.Core.Backend;
using Electra.Models.Pipelines;

namespace Electra.Cli.Commands;

/// <summary>The options every pipeline command shares.</summary>
internal sealed record PipelineOptions(string? Model, string? Revision, string? Backend, int? Threads, string? Device, string? Input, bool Json, int BatchSize)
{
    public const string Usage = "[--revision REV] [--backend cpu|vulkan] [--device N] [--threads T] [--batch-size N] [TEXT ... | --input FILE.jsonl] [--json]";

    public static PipelineOptions Read(Arguments a)
    {
        var o = new PipelineOptions(a.Get("model"), a.Get("revision"), a.Get("backend"), a.Int("threads"), a.Get("device"), a.Get("input"),
            a.Flag("json"), a.Int("batch-size") ?? 16);
        if (o.BatchSize < 1) throw new UsageException($"--batch-size must be at least 1, got {o.BatchSize}");
        return o;
    }

    /// <summary>JSON lines when asked for or when reading a file; a table otherwise.</summary>
    public bool JsonOutput => Json || Input is not null;

    public PipelineSettings Settings => new(BatchSize);

    public IBackend CreateBackend() => BackendFactory.Create(Backend, Threads, Device);

    /// <summary>The model folder: --model resolved (a folder, or a hub id in the local Hugging Face cache), or the built-in default when the command has one.</summary>
    public string ModelFolder(Func<string>? defaultModel, string command) =>
        Model is not null ? ModelDirectory.Resolve(Model, Revision)
        : defaultModel is not null ? defaultModel()
        : throw new UsageException($"{command} needs --model DIR");
}
