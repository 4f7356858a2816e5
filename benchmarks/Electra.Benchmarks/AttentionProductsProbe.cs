using System.Diagnostics;
using System.Runtime.InteropServices;
using Electra.Cpu.Kernels;

namespace Electra.Benchmarks;

/// <summary>
/// Where one (batch row, head) of ELECTRA-small's attention spends its time on one thread, everything in cache
/// (Sq = Sk = 128, d = 64, AVX-512): the whole attention as the fused self-attention's tiles run it (4 heads of one row
/// in the q, k, v buffer's layout; it packs V itself, which the tiles' projections write packed), next to its parts as the tiles call them: the score product q·kᵀ (4 key panels ×
/// 16 row blocks of depth 64), the context product P·v (2 panels × 16 blocks of depth 128), the softmax of the 128
/// score rows and the packing of Kᵀ. µs per (row, head), best and median of the rounds; the products also as 512-bit
/// FMAs per ns (the peak is one per cycle).
/// </summary>
public static unsafe class AttentionProductsProbe
{
    const int S = 128, D = 64, Heads = 4, Width = Heads * D, Stride = 3 * Width, Repeats = 200;

    public static void Run(int rounds)
    {
        // The parts below call the AVX-512 kernels and the 512-bit softmax directly.
        if (!System.Runtime.Intrinsics.X86.Avx512F.IsSupported) { Console.WriteLine("attention-products: needs AVX-512"); return; }
        int nr = Avx512Kernel.NR;
        var rng = new Random(1);
        float* q = Alloc(S * D, rng), kt = Alloc(S * D, rng), scores = Alloc(S * S, rng), vp = Alloc(S * D, rng), ctx = Alloc(S * D, rng);
        float* qkv = Alloc(S * Stride, rng), mask = Alloc(S, rng), context = Alloc(S * Width, rng);
        try
        {
            for (int i = 0; i < S; i++) mask[i] = 1;
            var shape = new AttentionKernel.Shape(1, S, S, Heads, D, Stride, Stride, Stride, Width, false);
            double productFmas = (double)S * S * D / 16; // 512-bit FMAs of one product of one head
            var contenders = new (string Name, Action Run, int Heads, double Fmas)[]
            {
                ("whole attention (4 heads of a row, per head)", () =>
                    AttentionKernel.RunOnThread(shape, qkv, qkv + Width, qkv + 2 * Width, mask, context, GemmIsa.Avx512), Heads, 0),
                ("q·kᵀ", () => Product(q, D, kt, S / nr, scores, S), 1, productFmas),
                ("P·v", () => Product(scores, S, vp, D / nr, ctx, D), 1, productFmas),
                ("softmax of the 128 score rows", () =>
                {
                    for (int r = 0; r < S; r++) AttentionKernel.ExponentiateUnmasked(scores + r * S, S, 8f, wide: true);
                }, 1, 0),
                ("Kᵀ packing", () =>
                {
                    for (int p = 0; p < S / nr; p++) Transpose.Panel(qkv + Width + p * nr * Stride, Stride, nr, D, kt + p * D * nr, nr);
                }, 1, 0),
            };
            var samples = contenders.Select(_ => new List<double>()).ToArray();
            for (int round = 0; round < rounds; round++)
                for (int i = 0; i < contenders.Length; i++)
                {
                    contenders[i].Run();
                    var clock = Stopwatch.StartNew();
                    for (int n = 0; n < Repeats; n++) contenders[i].Run();
                    samples[i].Add(clock.Elapsed.TotalMicroseconds / Repeats / contenders[i].Heads);
                }
            Console.WriteLine($"one thread, one (row, head) at 128 × 128, d = 64, in cache; {rounds} rounds of {Repeats} calls, alternating");
            Console.WriteLine("| part | µs per (row, head), best (median) | 512-bit FMAs per ns, best |");
            Console.WriteLine("|---|---|---|");
            foreach (var (c, s) in contenders.Zip(samples))
            {
                s.Sort();
                string rate = c.Fmas > 0 ? $"{c.Fmas / s[0] / 1000:F2}" : "";
                Console.WriteLine($"| {c.Name} | {s[0]:F2} ({s[s.Count / 2]:F2}) | {rate} |");
            }
        }
        finally
        {
            foreach (nint p in new[] { (nint)q, (nint)kt, (nint)scores, (nint)vp, (nint)ctx, (nint)qkv, (nint)mask, (nint)context })
                NativeMemory.AlignedFree((void*)p);
        }
    }

    /// <summary>
    /// c[S, panels · NR] (row stride <paramref name="ldc"/>) = a[S, depth] times <paramref name="panels"/> packed panels
    /// of b, in the tiles' order: query blocks, then panels, then register rows.
    /// </summary>
    static void Product(float* a, int depth, float* b, int panels, float* c, int ldc)
    {
        int nr = Avx512Kernel.NR, mr = Avx512Kernel.MR;
        for (int qb = 0; qb < S; qb += AttentionKernel.QueryBlock)
            for (int p = 0; p < panels; p++)
                for (int r = qb; r < Math.Min(S, qb + AttentionKernel.QueryBlock); r += mr)
                    Avx512Kernel.Run(a + r * depth, depth, mr, b + p * depth * nr, depth, c + r * ldc + p * nr, ldc, nr, false);
    }

    static float* Alloc(int n, Random rng)
    {
        float* p = (float*)NativeMemory.AlignedAlloc((nuint)n * sizeof(float), 64);
        for (int i = 0; i < n; i++) p[i] = (float)rng.NextDouble() - 0.5f;
        return p;
    }
}
