using Electra.Models;

namespace Electra.Benchmarks;

/// <summary>
/// The shape `electra serve` batches under load: about 30 short texts (10–20 tokens) packed end to end without padding
/// (<see cref="RaggedBatch"/>). Times the packed forward against the same texts run one at a time (what the server
/// does with <c>--max-batch-requests 1</c>), alternating, and reports GFLOP/s of the packed forward and the gain
/// batching gives the model itself (the in-process ceiling of the server's batching speed-up).
/// </summary>
public static class RaggedBench
{
    /// <summary>Rows of [CLS], ids uniform in 1000..29999, [SEP]; lengths uniform in [minLength, maxLength].</summary>
    public static RaggedBatch Texts(int rows, int minLength, int maxLength, int vocabSize, int seed = 1234)
    {
        var rng = new Random(seed);
        int hi = Math.Min(30000, vocabSize), lo = Math.Min(1000, hi - 1);
        var ids = new int[rows][];
        for (int r = 0; r < rows; r++)
        {
            var row = ids[r] = new int[rng.Next(minLength, maxLength + 1)];
            for (int t = 0; t < row.Length; t++) row[t] = rng.Next(lo, hi);
            row[0] = Math.Min(101, vocabSize - 1);
            row[^1] = Math.Min(102, vocabSize - 1);
        }
        return RaggedBatch.FromRows(ids);
    }

    /// <summary>Multiply-adds × 2 of one forward of the encoder layers: the linears and attention's two products.</summary>
    public static double Flops(ElectraPretrained model, RaggedBatch batch)
    {
        var c = model.Config;
        double h = c.HiddenSize, f = c.IntermediateSize, squares = 0;
        for (int r = 0; r < batch.Count; r++) squares += (double)batch.RowLength(r) * batch.RowLength(r);
        return c.NumHiddenLayers * (2.0 * batch.TokenCount * (4 * h * h + 2 * h * f) + 2.0 * 2.0 * squares * h);
    }

    public static void Run(ElectraPretrained model, int rows, int minLength, int maxLength, int iterations)
    {
        var batch = Texts(rows, minLength, maxLength, model.Config.VocabSize);
        var singles = Enumerable.Range(0, rows)
            .Select(r => RaggedBatch.FromRows([batch.InputIds.AsSpan(batch.RowStarts[r], batch.RowLength(r)).ToArray()])).ToArray();
        var timings = Alternating.Run([
            new Alternating.Contender("packed", () => model.Forward(batch)),
            new Alternating.Contender("one at a time", () => { foreach (var s in singles) model.Forward(s); }),
        ], warmup: 3, iterations);
        double flops = Flops(model, batch);
        var (packed, single) = (timings[0], timings[1]);
        Console.WriteLine($"ragged: {rows} rows of {minLength}–{maxLength} tokens, {batch.TokenCount} tokens, {flops / 1e9:F2} GFLOP per forward (encoder layers)");
        Console.WriteLine("| run | median ms (min) | CPU ms | GFLOP/s (median) | GFLOP per CPU-second |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var t in timings)
            Console.WriteLine($"| {t.Name} | {t.Median:F2} ({t.Min:F2}) | {t.CpuMs:F1} | {flops / t.Median / 1e6:F1} | {flops / t.CpuMs / 1e6:F1} |");
        Console.WriteLine($"batching gain (one at a time / packed): median {single.Median / packed.Median:F2}, min {single.Min / packed.Min:F2}, CPU {single.CpuMs / packed.CpuMs:F2}");
    }
}
