using Electra.Core.Backend;
using Electra.Models.Pipelines;

namespace Electra.Cli.Commands;

/// <summary>The values of the options every pipeline command shares (read by <see cref="Options.PipelineOptionGroup"/>).</summary>
internal sealed record PipelineOptions(string? Model, string? Revision, string? Backend, int? Threads, string? Device, string? Input, bool Json, int BatchSize,
    string? Quantize = null, bool Offline = false)
{
    /// <summary>JSON lines when asked for or when reading a file; a table otherwise.</summary>
    public bool JsonOutput => Json || Input is not null;

    public PipelineSettings Settings => new(BatchSize);

    /// <summary>--precision: f32 (null) or f16.</summary>
    public string? Precision { get; init; }

    public IBackend CreateBackend() => BackendFactory.Create(Backend, Threads, Device, Quantize, Precision);

    /// <summary>
    /// Streams <paramref name="run"/>'s results in input order, each as a JSON line (<see cref="JsonOutput"/>) or table
    /// rows, with a progress bar when reading a file: the tail every pipeline command shares.
    /// </summary>
    /// <returns>0, the exit code of a run that got this far.</returns>
    public int Stream<TIn, TOut>(IEnumerable<Numbered<TIn>> inputs, int chunkSize, Func<IReadOnlyList<TIn>, IReadOnlyList<TOut>> run,
        Action<TextWriter, TOut> writeJson, Action<TextWriter, TOut> writeTable, TextWriter stdout, TextWriter stderr)
    {
        bool json = JsonOutput;
        PipelineStream.Run(inputs, chunkSize, run, (_, r) => { if (json) writeJson(stdout, r); else writeTable(stdout, r); },
            ProgressBar.ForFile(stderr, Input), stdout);
        return 0;
    }

    /// <summary>The model folder: --model resolved (a folder, or a hub id, downloaded where missing unless --offline), or the built-in default when the command has one.</summary>
    public string ModelFolder(Func<string>? defaultModel, string command) =>
        Model is not null ? ModelDirectory.Resolve(Model, Revision, Offline)
        : defaultModel is not null ? defaultModel()
        : throw new UsageException($"{command} needs --model DIR");
}
