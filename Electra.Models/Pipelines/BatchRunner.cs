using Electra.Core.Tensors;

namespace Electra.Models.Pipelines;

/// <summary>
/// Runs many sequences through a model with little wasted work: rows are sorted by length, grouped into batches, and
/// each batch is padded only to its own longest row. Outputs come back per row, in input order, without padding.
/// </summary>
internal static class BatchRunner
{
    /// <returns>
    /// <c>result[row][output]</c>: the row's values of each requested output, flattened row-major; per-token outputs
    /// hold the row's own positions only (Length × trailing size).
    /// </returns>
    public static float[][][] Run(ElectraPretrained model, IReadOnlyList<TokenRow> rows, int batchSize, int padId,
        IReadOnlyList<OutputSpec> outputs)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), "batch size must be at least 1");
        var results = new float[rows.Count][][];
        // Longest first: the first batch shows at once whether the longest inputs fit in memory.
        var order = Enumerable.Range(0, rows.Count).OrderByDescending(i => rows[i].Length).ToArray();
        for (int from = 0; from < order.Length; from += batchSize)
        {
            var batch = order.AsSpan(from, Math.Min(batchSize, order.Length - from)).ToArray();
            RunBatch(model, rows, batch, padId, outputs, results);
        }
        return results;
    }

    private static void RunBatch(ElectraPretrained model, IReadOnlyList<TokenRow> rows, int[] batch, int padId,
        IReadOnlyList<OutputSpec> outputs, float[][][] results)
    {
        int n = batch.Length;
        int seq = batch.Max(i => rows[i].Length);
        var ids = new int[n * seq];
        var mask = new int[n * seq];
        var types = new int[n * seq];
        for (int b = 0; b < n; b++)
        {
            var row = rows[batch[b]];
            ids.AsSpan(b * seq, seq).Fill(padId);
            row.InputIds.CopyTo(ids, b * seq);
            row.TokenTypeIds.CopyTo(types, b * seq);
            mask.AsSpan(b * seq, row.Length).Fill(1);
        }
        var output = model.Forward(new ModelInputs
        {
            InputIds = HostIntTensor.Create(ids, n, seq),
            AttentionMask = HostIntTensor.Create(mask, n, seq),
            TokenTypeIds = HostIntTensor.Create(types, n, seq),
        }, ForwardOptions.RealTokensOnly);   // pipelines read real positions only: the padding is not computed
        for (int b = 0; b < n; b++) results[batch[b]] = new float[outputs.Count][];
        for (int o = 0; o < outputs.Count; o++)
        {
            var tensor = output[outputs[o].Name];
            long perRow = tensor.ElementCount / n;
            int perToken = outputs[o].PerToken ? (int)(perRow / seq) : 0;
            for (int b = 0; b < n; b++)
            {
                int length = rows[batch[b]].Length;
                var slice = outputs[o].PerToken
                    ? tensor.Span.Slice((int)(b * perRow), length * perToken)
                    : tensor.Span.Slice((int)(b * perRow), (int)perRow);
                results[batch[b]][o] = slice.ToArray();
            }
        }
    }
}
