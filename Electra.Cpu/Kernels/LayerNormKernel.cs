using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Electra.Cpu.Kernels;

/// <summary>
/// LayerNorm over rows of width n of (x + residual): (v − mean)/√(var + eps)·γ + β with the biased variance, as
/// torch. Mean and centred variance are two passes accumulated in double, so rows with tiny variance (eps 1e-12)
/// keep their precision; rows are split into tiles across the pool.
/// </summary>
public static unsafe class LayerNormKernel
{
    const int RowsPerTile = 32;
    [ThreadStatic] static LayerNormJob? t_job;

    /// <summary>output[r] = LayerNorm(x[r] + residual[r]); residual may be null; output may alias x.</summary>
    public static void Forward(float* x, float* residual, float* gamma, float* beta, float eps, float* output,
        int rows, int n, WorkerPool? pool)
    {
        var job = t_job ??= new LayerNormJob();
        job.X = x; job.Residual = residual; job.Gamma = gamma; job.Beta = beta; job.Eps = eps; job.Output = output;
        job.Rows = rows; job.N = n;
        int tiles = (rows + RowsPerTile - 1) / RowsPerTile;
        if (pool == null) for (int t = 0; t < tiles; t++) job.RunTile(t);
        else pool.Run(job, tiles);
    }

    /// <summary>Span overload: x, residual (may be empty) and output are [rows, gamma.Length].</summary>
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> residual, ReadOnlySpan<float> gamma,
        ReadOnlySpan<float> beta, float eps, Span<float> output, WorkerPool? pool = null)
    {
        int n = gamma.Length;
        fixed (float* px = x) fixed (float* pr = residual) fixed (float* pg = gamma) fixed (float* pb = beta) fixed (float* po = output)
            Forward(px, residual.IsEmpty ? null : pr, pg, pb, eps, po, x.Length / n, n, pool);
    }

    sealed class LayerNormJob : TileJob
    {
        public float* X, Residual, Gamma, Beta, Output;
        public float Eps;
        public int Rows, N;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void RunTile(int tile)
        {
            int r1 = Math.Min(Rows, (tile + 1) * RowsPerTile);
            for (int r = tile * RowsPerTile; r < r1; r++)
                Row(X + (long)r * N, Residual == null ? null : Residual + (long)r * N, Output + (long)r * N, Gamma, Beta, Eps, N);
        }
    }

    /// <summary>
    /// dst = LayerNorm(x + res) over one row of <paramref name="n"/> floats (res may be null, dst may alias x): the one
    /// definition of the row, shared by this kernel and the GEMM's fused LayerNorm epilogue, so both give the same bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Row(float* x, float* res, float* dst, float* gamma, float* beta, float eps, int n)
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
            Vector256.Store(normalized * Vector256.Load(gamma + i) + Vector256.Load(beta + i), dst + i);
        }
        for (; i < n; i++)
            dst[i] = (float)((dst[i] - mean) * inv) * gamma[i] + beta[i];
    }
}
