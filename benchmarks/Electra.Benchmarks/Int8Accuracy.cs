using Electra.Cli.Benchmarking;
using Electra.Cpu;
using Electra.Models;

namespace Electra.Benchmarks;

/// <summary>
/// int8 accuracy over many inputs: ours and ONNX Runtime's int8 model of the same weights, each against our float32
/// (which equals ORT's float32 to ~1e-7), on the same inputs for several seeds. One input set cannot say which int8
/// model is the more accurate: both use the same codes (DynamicQuantizeLinear, int8 symmetric weights, exact int32
/// sums) and differ only in how the float rescale rounds, and twelve layers turn that last-bit difference into a
/// coin flip for which one lands nearer float32 on a given input. The seeds show whether ours is worse systematically.
/// </summary>
public static class Int8Accuracy
{
    public static void Run(string modelDir, string ortInt8Path, int threads, int seeds, bool perChannel, bool perRow)
    {
        // Without a seed there is nothing to average: say so rather than fail inside Average.
        if (seeds < 1) throw new ArgumentOutOfRangeException(nameof(seeds), seeds, "--seeds must be at least 1");
        using var f32Backend = new CpuBackend(new CpuBackendOptions(threads));
        using var int8Backend = new CpuBackend(new CpuBackendOptions(threads,
            Quantization: new Int8Quantization(perChannel, perRow)));
        var f32 = ElectraPretrained.Load(modelDir, f32Backend);
        var int8 = ElectraPretrained.Load(modelDir, int8Backend);
        using var ortInt8 = new OrtRunner(ortInt8Path, threads);
        Console.WriteLine($"Logits against our float32, seeds 1..{seeds}: max abs error, mean abs error, sign agreement (ours int8 / ORT int8)");
        Console.WriteLine("| shape | seed | max abs ours / ORT | mean abs ours / ORT | sign agreement ours / ORT |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var (batch, seq) in new[] { (1, 128), (32, 128) })
        {
            var ours = new List<LogitErrors>();
            var peer = new List<LogitErrors>();
            for (int seed = 1; seed <= seeds; seed++)
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
        }
    }
}
