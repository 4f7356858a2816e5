using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Electra.Cpu.Kernels.Int8;

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
        int rows, int n, WorkerPool? pool) =>
        Forward(x, residual, gamma, beta, eps, output, rows, n, pool, outputRange: false);

    /// <summary>
    /// <see cref="Forward(float*, float*, float*, float*, float, float*, int, int, WorkerPool?)"/> that, with
    /// <paramref name="outputRange"/>, also returns the output's range (0 included), measured as each row is written,
    /// for an int8 linear with per-tensor activations that reads the output next (it then skips its own pass over it).
    /// </summary>
    internal static ValueRange Forward(float* x, float* residual, float* gamma, float* beta, float eps, float* output,
        int rows, int n, WorkerPool? pool, bool outputRange)
    {
        var job = t_job ??= new LayerNormJob();
        job.X = x; job.Residual = residual; job.Gamma = gamma; job.Beta = beta; job.Eps = eps; job.Output = output;
        job.Rows = rows; job.N = n;
        int tiles = (rows + RowsPerTile - 1) / RowsPerTile;
        job.TrackRange(outputRange ? tiles : 0);
        if (pool == null) for (int t = 0; t < tiles; t++) job.RunTile(t);
        else pool.Run(job, tiles);
        return job.OutputRange(tiles);
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
        bool _trackRange;
        float[] _tileMin = [], _tileMax = [];

        /// <summary>Measure each tile's output range (tiles > 0) or not (0).</summary>
        public void TrackRange(int tiles)
        {
            _trackRange = tiles > 0;
            if (_tileMin.Length < tiles) { _tileMin = new float[tiles]; _tileMax = new float[tiles]; }
        }

        /// <summary>The output's range over the tiles of the last run when it was tracked, otherwise default.</summary>
        public ValueRange OutputRange(int tiles)
        {
            if (!_trackRange) return default;
            float min = 0, max = 0;
            for (int t = 0; t < tiles; t++) { min = MathF.Min(min, _tileMin[t]); max = MathF.Max(max, _tileMax[t]); }
            return new ValueRange(min, max);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void RunTile(int tile)
        {
            int r1 = Math.Min(Rows, (tile + 1) * RowsPerTile);
            var range = new RangeAccumulator();
            for (int r = tile * RowsPerTile; r < r1; r++)
            {
                float* x = X + (long)r * N, residual = Residual == null ? null : Residual + (long)r * N, output = Output + (long)r * N;
                if (_trackRange) Row(x, residual, output, Gamma, Beta, Eps, N, ref range);
                else Row(x, residual, output, Gamma, Beta, Eps, N);
            }
            if (_trackRange) (_tileMin[tile], _tileMax[tile]) = range.Range;
        }
    }

    /// <summary>
    /// dst = LayerNorm(x + res) over one row of <paramref name="n"/> floats (res may be null, dst may alias x): the one
    /// definition of the row, shared by this kernel and the GEMM's fused LayerNorm epilogue, so both give the same bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Row(float* x, float* res, float* dst, float* gamma, float* beta, float eps, int n)
    {
        var none = new RangeAccumulator();
        Row(x, res, dst, gamma, beta, eps, n, ref none, track: false);
    }

    /// <summary>
    /// <see cref="Row(float*, float*, float*, float*, float*, float, int)"/> that also folds each output into
    /// <paramref name="range"/> as it is stored (for an int8 linear that reads the output next).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Row(float* x, float* res, float* dst, float* gamma, float* beta, float eps, int n, ref RangeAccumulator range) =>
        Row(x, res, dst, gamma, beta, eps, n, ref range, track: true);

    /// <summary>The row, inlined into both callers so that <paramref name="track"/> is a constant in each.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Row(float* x, float* res, float* dst, float* gamma, float* beta, float eps, int n, ref RangeAccumulator range, bool track)
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
