using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Electra.Cpu.Kernels.Int8;

namespace Electra.Cpu.Kernels;

// TEMPORARY: the previous row, for A/B measurement in one process.
public static unsafe partial class LayerNormKernel
{
    internal static bool UseLegacyRow;

    /// <summary>The row, inlined into both callers so that <paramref name="track"/> is a constant in each.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void LegacyRow(float* x, float* res, float* dst, float* gamma, float* beta, float eps, int n, ref RangeAccumulator range, bool track)
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
        var rowRange = new RangeAccumulator();
        for (i = 0; i + 8 <= n; i += 8)
        {
            var (lo, hi) = Vector256.Widen(Vector256.Load(dst + i));
            var normalized = Vector256.Narrow((lo - m) * invV, (hi - m) * invV);
            var output = normalized * Vector256.Load(gamma + i) + Vector256.Load(beta + i);
            Vector256.Store(output, dst + i);
            if (track) rowRange.Add(output);
        }
        for (; i < n; i++)
        {
            dst[i] = (float)((dst[i] - mean) * inv) * gamma[i] + beta[i];
            if (track) rowRange.Add(dst[i]);
        }
        if (track) range.Add(in rowRange);
    }
}
