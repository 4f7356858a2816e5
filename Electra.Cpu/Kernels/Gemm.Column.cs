using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using Electra.Core.Backend;

namespace Electra.Cpu.Kernels;

public static unsafe partial class Gemm
{
    /// <summary>Rows per tile of <see cref="MultiplyColumn"/>; fewer rows than two tiles run on the calling thread.</summary>
    internal const int ColumnTileRows = 512;

    [ThreadStatic] static ColumnJob? t_columnJob;
    [ThreadStatic] static ScratchBuffer? t_column;

    /// <summary>
    /// y = act(x·wᵀ + b) for a weight with one output (a discriminator's or a regression head's last linear): one dot
    /// product per row. Through the panels a single column takes a whole panel's multiply-adds (32 on AVX-512, 31 of
    /// them on zero padding): ELECTRA-small's 256 → 1 at 32 × 128 took 0.38–0.42 ms that way and takes 0.07–0.09 ms as
    /// dot products, which read x once and are bound by that. TensorPrimitives.Dot sums a row in an order that depends on
    /// its length alone, not on where the row lies in memory, so a row gets the same bits whatever the batch around it
    /// (the property test holds a row in a batch to the row alone).
    /// </summary>
    static void MultiplyColumn(float* x, nint ldx, int rows, PackedWeight weight, float* y, nint ldy, Activation activation,
        WorkerPool? pool)
    {
        var job = t_columnJob ??= new ColumnJob();
        job.Start(x, ldx, weight, y, ldy, activation, rows);
        int tiles = (rows + ColumnTileRows - 1) / ColumnTileRows;
        try
        {
            if (pool == null || tiles < 2) for (int t = 0; t < tiles; t++) job.RunTile(t);
            else pool.Run(job, tiles);
        }
        finally
        {
            job.Clear();
        }
    }

    sealed class ColumnJob : TileJob
    {
        float* _x, _y;
        nint _ldx, _ldy;
        int _rows;
        PackedWeight _weight = null!;
        Activation _activation;

        public void Start(float* x, nint ldx, PackedWeight weight, float* y, nint ldy, Activation activation, int rows)
        {
            _x = x; _ldx = ldx; _weight = weight; _y = y; _ldy = ldy; _activation = activation; _rows = rows;
        }

        public void Clear() => _weight = null!;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void RunTile(int tile)
        {
            int k = _weight.InFeatures, nr = _weight.PanelWidth;
            // The column is every nr-th float of the packed panel ([In][nr]); gathered once per tile into a dense row.
            float* w = (t_column ??= new ScratchBuffer()).Get(k);
            float* panel = _weight.Panels;
            for (int i = 0; i < k; i++) w[i] = panel[(nint)i * nr];
            float bias = _weight.HasBias ? _weight.Bias[0] : 0f;
            int r1 = Math.Min(_rows, (tile + 1) * ColumnTileRows);
            for (int r = tile * ColumnTileRows; r < r1; r++)
            {
                float* output = _y + r * _ldy;
                *output = TensorPrimitives.Dot(new ReadOnlySpan<float>(_x + r * _ldx, k), new ReadOnlySpan<float>(w, k)) + bias;
                if (_activation != Activation.Identity) ActivationKernels.BiasActivate(output, null, 1, _activation);
            }
        }
    }
}
