namespace Electra.Models.Pipelines;

/// <summary>
/// Runs many token rows through a model with little wasted work: rows are sorted by length (longest first, so the
/// first forward shows at once whether the longest inputs fit in memory), cut into ragged batches of at most
/// <c>rowsPerForward</c> rows, and each batch runs unpadded. Results come back per row, in input order.
/// </summary>
internal static class RowBatches
{
    /// <param name="rows">The rows, in input order.</param>
    /// <param name="rowsPerForward">Rows per forward pass, at least 1.</param>
    /// <param name="forward">One ragged batch (and its rows as given) → a result per row.</param>
    /// <param name="cancellationToken">Checked before every forward.</param>
    public static TRow[] Run<TRow>(IReadOnlyList<TokenRow> rows, int rowsPerForward, Func<RaggedBatch, TokenRow[], TRow[]> forward,
        CancellationToken cancellationToken = default)
    {
        if (rowsPerForward < 1) throw new ArgumentOutOfRangeException(nameof(rowsPerForward), "batch size must be at least 1");
        var results = new TRow[rows.Count];
        var order = Enumerable.Range(0, rows.Count).OrderByDescending(i => rows[i].Length).ToArray();
        for (int from = 0; from < order.Length; from += rowsPerForward)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var members = order.AsSpan(from, Math.Min(rowsPerForward, order.Length - from)).ToArray();
            var batchRows = members.Select(i => rows[i]).ToArray();
            var batch = RaggedBatch.FromRows(batchRows.Select(r => r.InputIds).ToArray(), batchRows.Select(r => r.TokenTypeIds).ToArray());
            var batchResults = forward(batch, batchRows);
            for (int b = 0; b < members.Length; b++) results[members[b]] = batchResults[b];
        }
        return results;
    }
}
