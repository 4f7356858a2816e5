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
    public static void Run(WorkerPool pool, int iterations, bool perChannel, bool perRow, bool avx2 = false)
    {
        Int8Isa int8Isa = avx2 ? Int8Isa.Avx2 : Int8IsaDetection.Best;
        GemmIsa floatIsa = avx2 ? GemmIsa.Avx2 : GemmIsaDetection.Best;
        Console.WriteLine($"int8 path {Int8IsaDetection.Describe(int8Isa)}, float path {floatIsa}, {pool.Threads} threads");
        // CPU ms per call (both threads) next to wall time: on a shared machine it is the steadier of the two.
        // Up to Gemm.SmallRows rows the int8 GEMM splits the rows between threads (each quantizes its own); the last
        // columns time the split it used before, the columns on the caller's codes, in the same alternation.
        Console.WriteLine("| GEMM M × N × K | f32 ms median (min) | int8 ms median (min) | int8 speed-up | CPU ms f32 / int8 | int8 GOP/s | pairs split | int8, columns split: ms median (min), CPU ms |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|");
        foreach (var (m, n, k, act) in new[] {
            (128, 256, 256, Activation.Identity), (128, 1024, 256, Activation.Gelu), (128, 256, 1024, Activation.Identity),
            (4096, 256, 256, Activation.Identity), (4096, 1024, 256, Activation.Gelu), (4096, 256, 1024, Activation.Identity),
            (4096, 768, 768, Activation.Identity), (4096, 3072, 768, Activation.Gelu), (4096, 768, 3072, Activation.Identity) })
        {
            var rng = new Random(1);
            var x = new float[m * k];
            var w = new float[n * k];
            var b = new float[n];
            for (int i = 0; i < x.Length; i++) x[i] = (float)rng.NextDouble() - 0.5f;
            // Normal(0, 0.02) as ELECTRA initializes its linears: trained weights are bell-shaped too, and the share of
            // pairs the AVX2 kernel must split depends on the shape (uniform weights would split most of them).
            for (int i = 0; i < w.Length; i++)
                w[i] = 0.02f * MathF.Sqrt(-2 * MathF.Log(1 - (float)rng.NextDouble())) * MathF.Cos(2 * MathF.PI * (float)rng.NextDouble());
            var packed = PackedWeight.Pack(w, n, k, b, floatIsa);
            var quantized = Int8PackedWeight.Pack(w, n, k, b, perChannel, int8Isa);
            var y = new float[m * n];
            var contenders = new List<Alternating.Contender>
            {
                new("f32", () => Gemm.Multiply(x, packed, y, act, pool)),
                new("int8", () => Int8Gemm.Multiply(x, quantized, y, act, perRow, pool)),
            };
            bool small = m <= Gemm.SmallRows && Int8Gemm.RowTileRows(m, pool.Threads, quantized.Isa) > 0;
            if (small)
                contenders.Add(new("int8 columns", () =>
                {
                    int before = Int8Gemm.SmallRowTilesPerThread;
                    Int8Gemm.SmallRowTilesPerThread = 0;
                    try { Int8Gemm.Multiply(x, quantized, y, act, perRow, pool); }
                    finally { Int8Gemm.SmallRowTilesPerThread = before; }
                }));
            var t = Alternating.Run(contenders, warmup: 3, iterations: iterations);
            double ops = 2.0 * m * n * k;
            string columns = small ? $"{t[2].Median:F3} ({t[2].Min:F3}), {t[2].CpuMs:F2}" : "";
            Console.WriteLine($"| {m} × {n} × {k}{(act == Activation.Identity ? "" : " + " + act)} | {t[0].Median:F3} ({t[0].Min:F3}) | {t[1].Median:F3} ({t[1].Min:F3}) | **{t[0].Median / t[1].Median:F2}×** | {t[0].CpuMs:F2} / {t[1].CpuMs:F2} | {ops / t[1].Median / 1e6:F0} | {100 * quantized.SplitPairFraction:F1}% | {columns} |");
        }
    }
}
