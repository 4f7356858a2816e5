using System.Runtime.InteropServices;
using Electra.Core.Backend;
using Electra.Cpu.Kernels;
using Electra.Cpu.Kernels.Int8;

namespace Electra.Benchmarks;

/// <summary>
/// Our int8 GEMM (the input's dynamic quantization included) against our float32 GEMM on the same shapes, alternating
/// blocks in one process.
/// </summary>
public static class Int8GemmBench
{
    public static void Run(WorkerPool pool, int iterations, bool perChannel, bool perRow)
    {
        Console.WriteLine($"int8 path {Int8IsaDetection.Best}, float path {GemmIsaDetection.Best}, {pool.Threads} threads");
        Console.WriteLine("| GEMM M × N × K | f32 ms median (min) | int8 ms median (min) | int8 speed-up | int8 GOP/s |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var (m, n, k, act) in new[] {
            (128, 256, 256, Activation.Identity), (128, 1024, 256, Activation.Gelu), (128, 256, 1024, Activation.Identity),
            (4096, 1024, 256, Activation.Gelu), (4096, 256, 1024, Activation.Identity),
            (4096, 768, 768, Activation.Identity), (4096, 3072, 768, Activation.Gelu), (4096, 768, 3072, Activation.Identity) })
        {
            var rng = new Random(1);
            var x = new float[m * k];
            var w = new float[n * k];
            var b = new float[n];
            for (int i = 0; i < x.Length; i++) x[i] = (float)rng.NextDouble() - 0.5f;
            for (int i = 0; i < w.Length; i++) w[i] = ((float)rng.NextDouble() - 0.5f) * 0.05f;
            var packed = PackedWeight.Pack(w, n, k, b);
            var quantized = Int8PackedWeight.Pack(w, n, k, b, perChannel);
            var y = new float[m * n];
            var t = Alternating.Run([
                new("f32", () => Gemm.Multiply(x, packed, y, act, pool)),
                new("int8", () => Int8Gemm.Multiply(x, quantized, y, act, perRow, pool)),
            ], warmup: 3, iterations: iterations);
            double ops = 2.0 * m * n * k;
            Console.WriteLine($"| {m} × {n} × {k}{(act == Activation.Identity ? "" : " + " + act)} | {t[0].Median:F3} ({t[0].Min:F3}) | {t[1].Median:F3} ({t[1].Min:F3}) | **{t[0].Median / t[1].Median:F2}×** | {ops / t[1].Median / 1e6:F0} |");
        }
    }
}
