using Electra.Core.Backend;

namespace Electra.Cpu.Kernels;

public static unsafe partial class Gemm
{
    [ThreadStatic] static FeedForwardJob? t_feedForward;

    /// <summary>
    /// A transformer's feed-forward block over <paramref name="rows"/> rows: h = act(x·Upᵀ + b) into
    /// <paramref name="intermediate"/> (row stride <paramref name="ldi"/>), then y = LayerNorm(h·Downᵀ + b + x). Exactly
    /// the bits of <see cref="Multiply(float*, nint, int, PackedWeight, float*, nint, Activation, WorkerPool?)"/>
    /// followed by <see cref="MultiplyLayerNorm"/>. When both split the rows alike (a short text: one row tile per
    /// thread), each thread runs its rows through both projections in one parallel run: a row's intermediate is read
    /// only by the thread that wrote it, so the threads need not meet in between (1 × 128: one hand-off of five per layer
    /// less). Otherwise the two run one after the other. x is also the residual; y must not overlap x or the intermediate.
    /// </summary>
    public static void FeedForwardLayerNorm(float* x, nint ldx, int rows, PackedWeight up, Activation activation,
        float* intermediate, nint ldi, PackedWeight down, float* gamma, float* beta, float eps, float* y, nint ldy,
        WorkerPool? pool = null)
    {
        if (rows == 0) return;
        if (down.InFeatures != up.OutFeatures || down.OutFeatures != up.InFeatures)
            throw new ArgumentException($"feed-forward: {up} then {down} do not chain back to the input's width");
        var job = t_feedForward ??= new FeedForwardJob();
        job.Up.Start(x, ldx, rows, activation);
        job.Up.Add(up, intermediate, ldi);
        job.Down.Start(intermediate, ldi, rows, Activation.Identity);
        job.Down.Add(down, y, ldy);
        job.Down.SetLayerNorm(x, ldx, gamma, beta, eps);
        try
        {
            int threads = pool?.Threads ?? 1;
            job.Up.Plan(threads);
            job.Down.Plan(threads);
            var (_, rowTiles) = job.Up.RowTiling;
            // One tile per row tile in both (whole rows): tile t of the pair is then row tile t of each.
            if (job.Up.RowTiling == job.Down.RowTiling && job.Up.TileCount == rowTiles && job.Down.TileCount == rowTiles)
            {
                if (pool == null) for (int t = 0; t < rowTiles; t++) job.RunTile(t);
                else pool.Run(job, rowTiles);
            }
            else
            {
                Run(job.Up, pool);
                Run(job.Down, pool);
            }
        }
        finally
        {
            job.Up.Clear();
            job.Down.Clear();
        }
    }

    /// <summary>The two projections of a feed-forward block, run row tile by row tile.</summary>
    sealed class FeedForwardJob : TileJob
    {
        public readonly GemmJob Up = new(), Down = new();

        public override void RunTile(int tile)
        {
            Up.RunTile(tile);
            Down.RunTile(tile);
        }
    }
}
