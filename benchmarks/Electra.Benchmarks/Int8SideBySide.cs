using Electra.Cli.Benchmarking;
using Electra.Cpu;
using Electra.Cpu.Kernels.Int8;
using Electra.Models;

namespace Electra.Benchmarks;

/// <summary>
/// ELECTRA-small in int8: ours (CpuBackendOptions.Quantization) against ONNX Runtime's int8 model of the same weights
/// (tools/quantize_onnx_int8.py), with our float32 and ONNX Runtime's float32 beside them, same inputs, same threads,
/// alternating blocks. Also the accuracy of both int8 models against float32 on the same inputs.
/// </summary>
public static class Int8SideBySide
{
    public static void Run(string modelDir, string ortInt8Path, int threads, int iterations, bool perChannel, bool perRow)
    {
        using var f32Backend = new CpuBackend(new CpuBackendOptions(threads));
        using var int8Backend = new CpuBackend(new CpuBackendOptions(threads,
            Quantization: new Int8Quantization(perChannel, perRow)));
        // The managed AVX-512 kernel beside the chosen one (the generated VNNI code where it runs), same process.
        using var managedBackend = new CpuBackend(new CpuBackendOptions(threads,
            Quantization: new Int8Quantization(perChannel, perRow), Int8Isa: Int8Isa.Avx512));
        var f32 = ElectraPretrained.Load(modelDir, f32Backend);
        var int8 = ElectraPretrained.Load(modelDir, int8Backend);
        var managed = ElectraPretrained.Load(modelDir, managedBackend);
        using var ortF32 = new OrtRunner(Path.Combine(modelDir, "model.onnx"), threads);
        using var ortInt8 = new OrtRunner(ortInt8Path, threads);
        Console.WriteLine($"ours int8: {int8Backend.DeviceDescription}; ORT int8: {ortInt8Path}");
        Console.WriteLine("| shape | ours int8 ms median (min) | ORT int8 ms median (min) | ours f32 | ORT f32 | ours int8 / ORT int8 | ours int8 / ours f32 | ours f32 / ORT f32 | CPU ms per forward (ours int8 / ORT int8) | ours int8 on the managed Avx512 kernel ms median (ratio to ours int8) |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|");
        var accuracy = new List<string>();
        foreach (var (batch, seq, iters) in new[] { (1, 128, iterations * 4), (32, 128, iterations) })
        {
            var inputs = BenchInputs.Create(batch, seq, 0, f32.Config.VocabSize);
            var model = inputs.ToModelInputs();
            var feedF32 = ortF32.Feed(inputs);
            var feedInt8 = ortInt8.Feed(inputs);
            var contenders = new List<Alternating.Contender>
            {
                new("ours int8", () => int8.Forward(model)),
                new("ORT int8", () => ortInt8.Run(feedInt8)),
                new("ours f32", () => f32.Forward(model)),
                new("ORT f32", () => ortF32.Run(feedF32)),
                new("ours int8 managed", () => managed.Forward(model)),
            };
            var t = Alternating.Run(contenders, warmup: 3, iterations: iters);
            Console.WriteLine($"| {batch} × {seq} | {t[0].Median:F2} ({t[0].Min:F2}) | {t[1].Median:F2} ({t[1].Min:F2}) | {t[2].Median:F2} | {t[3].Median:F2} | " +
                $"**{t[0].Median / t[1].Median:F3}** | {t[0].Median / t[2].Median:F3} | {t[2].Median / t[3].Median:F3} | {t[0].CpuMs:F0} / {t[1].CpuMs:F0} | {t[4].Median:F2} ({t[4].Median / t[0].Median:F2}×) |");

            var reference = f32.Forward(model).Logits!.ToArray();
            accuracy.Add($"| {batch} × {seq} | ours int8 | {Errors(reference, int8.Forward(model).Logits!.ToArray())} |");
            accuracy.Add($"| {batch} × {seq} | ORT int8 | {Errors(reference, ortInt8.Run(feedInt8))} |");
        }
        Console.WriteLine();
        Console.WriteLine("Logits against our float32 (equal to ORT's float32 to ~1e-7): max abs error, max abs error / max |logit|, share of positions whose sign (replaced or not) agrees");
        Console.WriteLine("| shape | model | max abs | relative to max logit | sign agreement |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var line in accuracy) Console.WriteLine(line);
    }

    static string Errors(float[] reference, float[] actual)
    {
        var e = LogitErrors.Of(reference, actual);
        return $"{e.MaxAbs:E2} | {e.MaxAbs / e.Peak:E2} | {e.SignAgree}/{e.Count}";
    }
}
