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
    private protected PipelineWork(PipelineModel pipeline, IReadOnlyList<TokenRow> rows)
    {
        Pipeline = pipeline;
        Rows = rows;
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

    /// <summary>Calls whose forwards have equal keys can share forward passes.</summary>
    internal abstract object ForwardKey { get; }

    /// <summary>Sequences the call runs through the model (a long text split into windows counts each window).</summary>
    public int RowCount => Rows.Count;

    /// <summary>Real tokens (special tokens included, no padding) over all its rows: what its forward pass costs.</summary>
    public int TokenCount { get; }

    /// <summary>Tokens of its longest row (0 without rows).</summary>
    public int LongestRow { get; }

    /// <summary>Whether its rows have run (<see cref="Execute"/> or <see cref="ExecuteTogether"/>).</summary>
    public abstract bool IsExecuted { get; }

    /// <summary>Runs this call's rows alone, as the pipeline's <c>Run</c> does (batches of the pipeline's batch size).</summary>
    public void Execute()
    {
        if (!IsExecuted) RunGroup([this], Pipeline.Settings.BatchSize);
    }

    /// <summary>
    /// Runs the rows of every call in <paramref name="works"/> together: sorted longest first and cut into ragged
    /// forward passes of at most <paramref name="maxRowsPerForward"/> rows (default: all rows in one pass), unpadded.
    /// Calls on different models or with different outputs are run in separate groups. A row's outputs do not depend on
    /// the rows it runs with (the CPU kernels reduce each row on its own), so every call gets what it would get alone.
    /// </summary>
    /// <exception cref="ArgumentException">a call appears twice.</exception>
    public static void ExecuteTogether(IReadOnlyList<PipelineWork> works, int? maxRowsPerForward = null)
    {
        ArgumentNullException.ThrowIfNull(works);
        if (works.Distinct().Count() != works.Count) throw new ArgumentException("a call appears twice in the batch", nameof(works));
        foreach (var group in works.Where(w => !w.IsExecuted).GroupBy(w => w.ForwardKey))
        {
            var members = group.ToArray();
            members[0].RunGroup(members, Math.Max(1, maxRowsPerForward ?? members.Sum(w => w.RowCount)));
        }
    }

    /// <summary>Runs the rows of <paramref name="members"/> (this call's group, this call among them) and hands each its results.</summary>
    private protected abstract void RunGroup(PipelineWork[] members, int rowsPerForward);
}

/// <summary>A prepared pipeline call whose result is a <typeparamref name="TResult"/>.</summary>
public abstract class PipelineWork<TResult> : PipelineWork
{
    private protected PipelineWork(PipelineModel pipeline, IReadOnlyList<TokenRow> rows) : base(pipeline, rows) { }

    /// <summary>The result, from the executed rows' outputs (the post-processing runs on the calling thread).</summary>
    /// <exception cref="InvalidOperationException">the rows have not run yet.</exception>
    public abstract TResult Complete();

    /// <summary>Execute, then Complete: what the pipeline's <c>Run</c> returns.</summary>
    public TResult Run()
    {
        Execute();
        return Complete();
    }
}

/// <summary>
/// A call whose rows each give a <typeparamref name="TRow"/> (e.g. a row's logits), completed into a
/// <typeparamref name="TResult"/> from its rows' outputs in order.
/// </summary>
internal sealed class RowWork<TRow, TResult>(PipelineModel pipeline, IReadOnlyList<TokenRow> rows, RowForward<TRow> forward,
    Func<TRow[], TResult> complete) : PipelineWork<TResult>(pipeline, rows), IRowResults<TRow>
{
    private TRow[]? _results;

    TRow[]? IRowResults<TRow>.Results
    {
        get => _results;
        set => _results = value;
    }

    internal override object ForwardKey => forward.Key;

    public override bool IsExecuted => _results is not null;

    private protected override void RunGroup(PipelineWork[] members, int rowsPerForward)
    {
        // Equal keys mean equal forwards, so every member's rows give TRow (whatever result each makes of them).
        var rows = members.SelectMany(w => w.Rows).ToArray();
        var results = rows.Length == 0 ? [] : RowBatches.Run(rows, rowsPerForward, forward.Run);
        int at = 0;
        foreach (var w in members)
        {
            ((IRowResults<TRow>)w).Results = results.AsSpan(at, w.Rows.Count).ToArray();
            at += w.Rows.Count;
        }
    }

    public override TResult Complete() =>
        complete(_results ?? throw new InvalidOperationException("the call's rows have not run: call Execute or ExecuteTogether first"));
}

/// <summary>Where a group run hands a call its rows' results, whatever the call's result type.</summary>
internal interface IRowResults<TRow>
{
    TRow[]? Results { get; set; }
}

/// <summary>
/// How a ragged batch becomes one <typeparamref name="TRow"/> per row: <c>Run(batch, rows)</c>, where the rows are the
/// batch's as prepared (with per-row data such as a prompt length). Works whose forwards have equal
/// <see cref="Key"/>s can share forward passes.
/// </summary>
internal sealed record RowForward<TRow>(object Key, Func<RaggedBatch, TokenRow[], TRow[]> Run);
