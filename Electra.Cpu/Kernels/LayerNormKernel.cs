using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Electra.Cpu.Kernels.Int8;

namespace Electra.Cpu.Kernels;

/// <summary>
/// LayerNorm over rows of width n of (x + residual): (v − mean)/√(var + eps)·γ + β with the biased variance, as
/// torch, one row at a time (<see cref="Row(float*, float*, float*, float*, float*, float, int)"/>); rows are split
/// into tiles across the pool.
/// </summary>
public static unsafe partial class LayerNormKernel
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
        readonly TileRanges _tileRanges = new();

        /// <summary>Measure each tile's output range (tiles > 0) or not (0).</summary>
        public void TrackRange(int tiles)
        {
            _trackRange = tiles > 0;
            _tileRanges.Reserve(tiles);
        }

        /// <summary>The output's range over the tiles of the last run when it was tracked, otherwise default.</summary>
        public ValueRange OutputRange(int tiles) => _trackRange ? _tileRanges.Total(tiles) : default;

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
            if (_trackRange) _tileRanges.Set(tile, range.Range);
        }
    }
}
