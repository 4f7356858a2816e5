using Electra.Cli.Benchmarking;
using Electra.Cpu;
using Electra.Models;

namespace Electra.Benchmarks;

/// <summary>
/// int8 accuracy over many inputs: ours and ONNX Runtime's int8 model of the same weights, each against our float32
/// (which equals ORT's float32 to ~1e-7), on the same inputs for several seeds. One input set cannot say which int8
/// model is the more accurate: given the same float input both quantize to the same codes, multiply them exactly and
/// rescale them with the same float operations (int8-divergence checks it), but the float32 parts between the linears
/// (LayerNorm, attention, GELU) round differently in the last bits, a few codes land on the other side of a rounding
/// boundary, and twelve layers amplify those flips into a coin flip for which model lands nearer float32 on a given
/// input. So the comparison is paired, seed by seed: the mean difference of the two errors with its standard error
/// says whether ours is worse systematically or only on some inputs.
/// </summary>
public static class Int8Accuracy
{
    public static void Run(string modelDir, string ortInt8Path, int threads, int seeds, bool perChannel, bool perRow,
        int firstSeed = 1, int? onlyBatch = null)
    {
        // Without a seed there is nothing to average: say so rather than fail inside Average.
        if (seeds < 1) throw new ArgumentOutOfRangeException(nameof(seeds), seeds, "--seeds must be at least 1");
        using var f32Backend = new CpuBackend(new CpuBackendOptions(threads));
        using var int8Backend = new CpuBackend(new CpuBackendOptions(threads,
            Quantization: new Int8Quantization(perChannel, perRow)));
        var f32 = ElectraPretrained.Load(modelDir, f32Backend);
        var int8 = ElectraPretrained.Load(modelDir, int8Backend);
        using var ortInt8 = new OrtRunner(ortInt8Path, threads);
        Console.WriteLine($"Logits against our float32, seeds {firstSeed}..{firstSeed + seeds - 1}: max abs error, mean abs error, sign agreement (ours int8 / ORT int8)");
        Console.WriteLine("| shape | seed | max abs ours / ORT | mean abs ours / ORT | sign agreement ours / ORT |");
        Console.WriteLine("|---|---|---|---|---|");
        var paired = new List<string>();
        foreach (var (batch, seq) in new[] { (1, 128), (32, 128) })
        {
            if (onlyBatch is { } b && b != batch) continue;
            var ours = new List<LogitErrors>();
            var peer = new List<LogitErrors>();
            for (int seed = firstSeed; seed < firstSeed + seeds; seed++)
            {
                var inputs = BenchInputs.Create(batch, seq, 0, f32.Config.VocabSize, seed);
                var model = inputs.ToModelInputs();
                var reference = f32.Forward(model).Logits!.ToArray();
                var o = LogitErrors.Of(reference, int8.Forward(model).Logits!.ToArray());
                var p = LogitErrors.Of(reference, ortInt8.Run(ortInt8.Feed(inputs)));
                ours.Add(o);
                peer.Add(p);
                Console.WriteLine($"| {batch} × {seq} | {seed} | {o.MaxAbs:E2} / {p.MaxAbs:E2} | {o.MeanAbs:E2} / {p.MeanAbs:E2} | {o.SignAgree}/{o.Count} / {p.SignAgree}/{p.Count} |");
            }
            int oursNoWorse = ours.Zip(peer).Count(x => x.First.MaxAbs <= x.Second.MaxAbs);
            Console.WriteLine($"| {batch} × {seq} | **all** | {ours.Average(e => e.MaxAbs):E2} / {peer.Average(e => e.MaxAbs):E2} (mean of max; ours ≤ ORT on {oursNoWorse} of {seeds}) | " +
                $"{ours.Average(e => e.MeanAbs):E2} / {peer.Average(e => e.MeanAbs):E2} | {ours.Sum(e => e.SignAgree)} / {peer.Sum(e => e.SignAgree)} of {ours.Sum(e => e.Count)} |");
            paired.Add($"| {batch} × {seq} | {Paired(ours.Zip(peer, (o, p) => o.MaxAbs / p.MaxAbs))} | {Paired(ours.Zip(peer, (o, p) => o.MeanAbs / p.MeanAbs))} | " +
                $"{Paired(ours.Zip(peer, (o, p) => (double)o.SignAgree - p.SignAgree), ratio: false)} |");
        }
        Console.WriteLine();
        Console.WriteLine($"Paired, seed by seed (ours / ORT; mean ± standard error over {seeds} seeds; a ratio within about 2 standard errors of 1 is no systematic difference):");
        Console.WriteLine("| shape | max abs ours / ORT | mean abs ours / ORT | sign agreement ours − ORT |");
        Console.WriteLine("|---|---|---|---|");
        foreach (var line in paired) Console.WriteLine(line);
    }

    /// <summary>Mean ± standard error of per-seed figures (ratios, or differences when <paramref name="ratio"/> is false).</summary>
    static string Paired(IEnumerable<double> perSeed, bool ratio = true)
    {
        var values = perSeed.ToArray();
        double mean = values.Average();
        double variance = values.Length > 1 ? values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1) : 0;
        double standardError = Math.Sqrt(variance / values.Length);
        int noWorse = values.Count(v => ratio ? v <= 1 : v >= 0);
        return ratio ? $"{mean:F3} ± {standardError:F3} (ours ≤ ORT on {noWorse} of {values.Length})"
            : $"{mean:+0.00;-0.00} ± {standardError:F2} (ours ≥ ORT on {noWorse} of {values.Length})";
    }
}
