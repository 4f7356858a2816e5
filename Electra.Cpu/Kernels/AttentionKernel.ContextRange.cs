using Electra.Cpu.Kernels.Int8;

namespace Electra.Cpu.Kernels;

public static unsafe partial class AttentionKernel
{
    /// <summary>
    /// <see cref="Run"/> that also returns
    /// the context's range, [min(0, ·), max(0, ·)] with NaN at both ends when any value is NaN, as the int8 GEMM's range
    /// pass would measure it: each tile folds in the context block it has just written, while it is in L1, so the int8
    /// attention-output linear that reads the context next skips its own pass over it. Every element is written by
    /// exactly one tile and min and max do not depend on the order, so the range, and every quantized code, are the
    /// pass's.
    /// </summary>
    internal static ValueRange RunMeasuringContext(in Shape shape, float* q, float* k, float* v, float* keyMask,
        float* context, float* probabilities, GemmIsa isa, WorkerPool? pool) =>
        RunBatch(shape, q, k, v, keyMask, context, probabilities, isa, pool, measureContext: true);

    sealed partial class AttentionJob
    {
        bool _measuresContext;
        readonly TileRanges _contextRanges = new();

        /// <summary>Whether this call's tiles measure their context blocks (room for <paramref name="tiles"/> ranges).</summary>
        public void MeasureContext(bool measure, int tiles)
        {
            _measuresContext = measure;
            if (measure) _contextRanges.Reserve(tiles);
        }

        /// <summary>The range of the context block of a padded batch's tile (its rows × its head's columns).</summary>
        void MeasureContextBlock(int tile)
        {
            var s = Shape;
            int bh = tile / QueryBlocks, q0 = tile % QueryBlocks * QueryBlock, rows = Math.Min(QueryBlock, s.QueryLength - q0);
            float* block = Context + ((long)(bh / s.Heads) * s.QueryLength + q0) * s.ContextStride + bh % s.Heads * s.HeadDim;
            var range = new RangeAccumulator();
            for (int r = 0; r < rows; r++) range.Add(block + (long)r * s.ContextStride, s.HeadDim);
            _contextRanges.Set(tile, range.Range);
        }

        /// <summary>The range over the tiles of the last call, 0 included (reduced as the GEMM's range pass reduces its chunks).</summary>
        public ValueRange ContextRange(int tiles) => _contextRanges.Total(tiles);
    }
}
