namespace Electra.Models.Pipelines;

/// <summary>
/// A pipeline call split at its forward pass: the token rows it needs run (prepared, tokenized), and how their
/// outputs become the result. A server prepares many calls on the threads that received them, runs the rows of
/// several calls through one forward pass (<see cref="ExecuteTogether"/>) on its inference thread, and completes each
/// call back on its own thread. <c>Run</c> on a pipeline is Prepare → Execute → Complete in one step.
/// </summary>
/// <example><code>
/// var a = classify.Prepare([("good", null)]);
/// var b = classify.Prepare([("bad", null)]);
/// PipelineWork.ExecuteTogether([a, b]);
/// var first = a.Complete();   // the same as classify.Run([("good", null)])
/// </code></example>
public abstract class PipelineWork
{
    private protected PipelineWork(PipelineModel pipeline, IReadOnlyList<TokenRow> rows, RowForward forward, IReadOnlyList<int>? rowTags)
    {
        Pipeline = pipeline;
        Rows = rows;
        Forward = forward;
        RowTags = rowTags ?? new int[rows.Count];
        int tokens = 0;
        foreach (var row in rows)
        {
            tokens += row.Length;
            LongestRow = Math.Max(LongestRow, row.Length);
        }
        TokenCount = tokens;
    }

    /// <summary>The model, tokenizer and settings the call runs on.</summary>
    public PipelineModel Pipeline { get; }

    internal IReadOnlyList<TokenRow> Rows { get; }

    /// <summary>How its rows run; calls whose forwards have equal keys run together.</summary>
    internal RowForward Forward { get; }

    /// <summary>Per-row data the forward needs besides the ids (the prompt length of a sentence embedding's row).</summary>
    internal IReadOnlyList<int> RowTags { get; }
    private protected float[][][]? Results { get; private set; }

    /// <summary>Sequences the call runs through the model (a long text split into windows counts each window).</summary>
    public int RowCount => Rows.Count;

    /// <summary>Real tokens (special tokens included, no padding) over all its rows: what its forward pass costs.</summary>
    public int TokenCount { get; }

    /// <summary>Tokens of its longest row (0 without rows).</summary>
    public int LongestRow { get; }

    /// <summary>Whether its rows have run (<see cref="Execute"/> or <see cref="ExecuteTogether"/>).</summary>
    public bool IsExecuted => Results is not null;

    /// <summary>Runs this call's rows alone, as the pipeline's <c>Run</c> does (batches of the pipeline's batch size).</summary>
    public void Execute()
    {
        if (IsExecuted) return;
        Results = Rows.Count == 0 ? [] : Forward.Run(Rows, RowTags, Pipeline.Settings.BatchSize);
    }

    /// <summary>
    /// Runs the rows of every call in <paramref name="works"/> together: sorted longest first and cut into forward
    /// passes of at most <paramref name="maxRowsPerForward"/> rows (default: all rows in one pass), padding skipped.
    /// Calls on different models or with different outputs are run in separate groups. A row's outputs do not depend on
    /// the rows it runs with (the CPU kernels reduce each row on its own), so every call gets what it would get alone.
    /// </summary>
    /// <exception cref="ArgumentException">a call appears twice.</exception>
    public static void ExecuteTogether(IReadOnlyList<PipelineWork> works, int? maxRowsPerForward = null)
    {
        ArgumentNullException.ThrowIfNull(works);
        if (works.Distinct().Count() != works.Count) throw new ArgumentException("a call appears twice in the batch", nameof(works));
        foreach (var group in works.Where(w => !w.IsExecuted).GroupBy(w => w.Forward.Key))
        {
            var members = group.ToArray();
            var rows = new List<TokenRow>();
            var tags = new List<int>();
            foreach (var w in members)
            {
                rows.AddRange(w.Rows);
                tags.AddRange(w.RowTags);
            }
            if (rows.Count == 0)
            {
                foreach (var w in members) w.Results = [];
                continue;
            }
            var results = members[0].Forward.Run(rows, tags, Math.Max(1, maxRowsPerForward ?? rows.Count));
            int at = 0;
            foreach (var w in members)
            {
                w.Results = results.AsSpan(at, w.Rows.Count).ToArray();
                at += w.Rows.Count;
            }
        }
    }

}

/// <summary>
/// How prepared rows become per-row outputs: <c>Run(rows, rowTags, rowsPerForward)</c> returns <c>[row][output]</c>.
/// Works whose forwards have equal <see cref="Key"/>s can share forward passes.
/// </summary>
internal sealed record RowForward(object Key, Func<IReadOnlyList<TokenRow>, IReadOnlyList<int>, int, float[][][]> Run)
{
    /// <summary>The plain forward pass of <see cref="BatchRunner"/>, slicing <paramref name="outputs"/> per row.</summary>
    public static RowForward Outputs(PipelineModel pipeline, OutputSpec[] outputs) => new(
        (pipeline.Model, string.Join(',', outputs.Select(o => $"{o.Name}:{o.PerToken}"))),
        (rows, _, batch) => BatchRunner.Run(pipeline.Model, rows, batch, pipeline.Tokenizer.PadTokenId, outputs));
}

/// <summary>A prepared pipeline call whose result is a <typeparamref name="TResult"/>.</summary>
public sealed class PipelineWork<TResult> : PipelineWork
{
    private readonly Func<float[][][], TResult> _complete;

    internal PipelineWork(PipelineModel pipeline, IReadOnlyList<TokenRow> rows, OutputSpec[] outputs, Func<float[][][], TResult> complete)
        : this(pipeline, rows, RowForward.Outputs(pipeline, outputs), null, complete) { }

    internal PipelineWork(PipelineModel pipeline, IReadOnlyList<TokenRow> rows, RowForward forward, IReadOnlyList<int>? rowTags,
        Func<float[][][], TResult> complete)
        : base(pipeline, rows, forward, rowTags) => _complete = complete;

    /// <summary>The result, from the executed rows' outputs (the post-processing runs on the calling thread).</summary>
    /// <exception cref="InvalidOperationException">the rows have not run yet.</exception>
    public TResult Complete() =>
        _complete(Results ?? throw new InvalidOperationException("the call's rows have not run: call Execute or ExecuteTogether first"));

    /// <summary>Execute, then Complete: what the pipeline's <c>Run</c> returns.</summary>
    public TResult Run()
    {
        Execute();
        return Complete();
    }
}
