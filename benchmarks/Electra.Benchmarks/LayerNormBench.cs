using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Electra.Cpu.Kernels;
using Electra.Cpu.Kernels.Int8;

namespace Electra.Benchmarks;

/// <summary>
/// The LayerNorm row (<see cref="LayerNormKernel"/>) against the round-eight row, alone at widths 256 and 768 (one row
/// kept in L1, and 4096 rows streamed), on its 256-bit and 512-bit paths; then the stand-alone pass over 4096 × 256 on
/// the pool, without and with the output's range. Alternating in one process.
/// </summary>
public static unsafe class LayerNormBench
{
    const int Rows = 4096, Repeats = 4096;

    public static void Run(int threads, int iterations)
    {
        Console.WriteLine($"512-bit row available: {LayerNormKernel.WideRow}");
        foreach (int n in new[] { 256, 768 }) RowAlone(n, iterations);
        using var pool = new WorkerPool(threads);
        Pass(pool, iterations);
    }

    static float[] Random(Random rng, int length) => Enumerable.Range(0, length).Select(_ => (float)rng.NextDouble() * 2 - 1).ToArray();

    /// <summary>ns per row of width n: one row over and over (L1), and 4096 rows one after another (from L3 or memory).</summary>
    static void RowAlone(int n, int iterations)
    {
        var rng = new Random(1);
        float[] x = Random(rng, Rows * n), residual = Random(rng, Rows * n), gamma = Random(rng, n), beta = Random(rng, n), y = new float[Rows * n];
        // path: -1 the round-eight row, 0 the 256-bit path, 1 the 512-bit path; tracking: measuring the output's range too.
        Alternating.Contender Row(string name, int path, bool streamed, bool tracking = false) => new(name, () =>
        {
            fixed (float* px = x) fixed (float* pr = residual) fixed (float* pg = gamma) fixed (float* pb = beta) fixed (float* py = y)
            {
                var range = new RangeAccumulator();
                for (int r = 0; r < Repeats; r++)
                {
                    long o = streamed ? (long)r * n : 0;
                    if (path < 0) PreviousRow(px + o, pr + o, py + o, pg, pb, 1e-12f, n);
                    else LayerNormKernel.Row(path == 1, px + o, pr + o, py + o, pg, pb, 1e-12f, n, ref range, tracking);
                }
            }
        });
        foreach (bool streamed in new[] { false, true })
        {
            var contenders = new List<Alternating.Contender> { Row("previous", -1, streamed), Row("256-bit", 0, streamed) };
            contenders.Add(Row("256-bit measuring", 0, streamed, tracking: true));
            if (LayerNormKernel.WideRow) { contenders.Add(Row("512-bit measuring", 1, streamed, tracking: true)); contenders.Add(Row("512-bit", 1, streamed)); }
            var t = Alternating.Run(contenders, warmup: 3, iterations: iterations);
            Console.WriteLine($"row of {n}, {(streamed ? "4096 rows streamed" : "one row in L1")}: " +
                string.Join("; ", t.Select(c => $"{c.Name} {1e6 * c.Median / Repeats:F1} ns (min {1e6 * c.Min / Repeats:F1})")) +
                $"; this CPU's path / previous {t[^1].Median / t[0].Median:F3}");
        }
    }

    /// <summary>LayerNormKernel.Forward over 4096 × 256 on the pool, without and with the output's range.</summary>
    static void Pass(WorkerPool pool, int iterations)
    {
        const int n = 256;
        var rng = new Random(2);
        float[] x = Random(rng, Rows * n), residual = Random(rng, Rows * n), gamma = Random(rng, n), beta = Random(rng, n), y = new float[Rows * n];
        Alternating.Contender Forward(string name, bool measure) => new(name, () =>
        {
            fixed (float* px = x) fixed (float* pr = residual) fixed (float* pg = gamma) fixed (float* pb = beta) fixed (float* py = y)
                LayerNormKernel.Forward(px, pr, pg, pb, 1e-12f, py, Rows, n, pool, measure);
        });
        var t = Alternating.Run([Forward("plain", false), Forward("measuring the range", true)], warmup: 3, iterations: iterations * 4);
        Console.WriteLine($"{pool.Threads} threads, {Rows} × {n}: " + string.Join("; ", t.Select(c => $"{c.Name} {c.Median:F3} ({c.Min:F3}) ms, {c.CpuMs:F3} CPU ms")));
    }

    /// <summary>
    /// The round-eight row, kept here as the baseline: one 256-bit double accumulator per statistic (a serial chain of
    /// adds) and pass 3 widened to double and narrowed back per element.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void PreviousRow(float* x, float* res, float* dst, float* gamma, float* beta, float eps, int n)
    {
        int i;
        var sum = Vector256<double>.Zero;
        for (i = 0; i + 8 <= n; i += 8)
        {
            var v = Vector256.Load(x + i);
            if (res != null) v += Vector256.Load(res + i);
            Vector256.Store(v, dst + i);
            var (lo, hi) = Vector256.Widen(v);
            sum += lo + hi;
        }
        double total = Vector256.Sum(sum);
        for (; i < n; i++)
        {
            float v = res != null ? x[i] + res[i] : x[i];
            dst[i] = v;
            total += v;
        }
        double mean = total / n;

        var m = Vector256.Create(mean);
        var sq = Vector256<double>.Zero;
        for (i = 0; i + 8 <= n; i += 8)
        {
            var (lo, hi) = Vector256.Widen(Vector256.Load(dst + i));
            lo -= m; hi -= m;
            sq += lo * lo + hi * hi;
        }
        double variance = Vector256.Sum(sq);
        for (; i < n; i++)
        {
            double d = dst[i] - mean;
            variance += d * d;
        }
        variance /= n;
        double inv = 1.0 / Math.Sqrt(variance + eps);

        var invV = Vector256.Create(inv);
        for (i = 0; i + 8 <= n; i += 8)
        {
            var (lo, hi) = Vector256.Widen(Vector256.Load(dst + i));
            var normalized = Vector256.Narrow((lo - m) * invV, (hi - m) * invV);
            var output = normalized * Vector256.Load(gamma + i) + Vector256.Load(beta + i);
            Vector256.Store(output, dst + i);
        }
        for (; i < n; i++)
        {
            dst[i] = (float)((dst[i] - mean) * inv) * gamma[i] + beta[i];
        }
    }
}
