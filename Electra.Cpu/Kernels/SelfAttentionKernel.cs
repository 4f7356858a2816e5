using Electra.Core.Backend;
using Electra.Cpu.Kernels.Int8;

namespace Electra.Cpu.Kernels;

/// <summary>
/// A self-attention layer's query, key and value projections and its attention, fused: each tile takes one batch row
/// and a group of its heads, projects the row's positions onto those heads' q, k and v columns into a buffer of its
/// own (sized to stay in the core's L2) and attends over them right away. Unfused, the projections write q, k and v
/// for the whole batch (12 MiB at 32 × 128 for ELECTRA-small) and the attention reads them back from memory, one
/// hand-off of the threads later; here they never leave the core's cache.
/// <para>
/// Every context element gets the bits of the projections followed by <see cref="AttentionKernel.Run"/>: the
/// projections run the GEMMs' own blocks (whose k-blocks, integer sums and epilogues do not depend on the tiling), the
/// attention its own tiles, and the int8 codes come from the same per-tensor parameters (or the same rows, per row).
/// </para>
/// </summary>
public static unsafe class SelfAttentionKernel
{
    /// <summary>The most bytes a tile's q, k and v may take (half of Zen 4's 1 MiB L2 per core).</summary>
    public const long ProjectionBytes = 512 * 1024;

    /// <summary>A padded batch's self-attention: x is [Batch, Length, Heads · HeadDim].</summary>
    public readonly record struct Shape(int Batch, int Length, int Heads, int HeadDim, bool Causal)
    {
        public int Hidden => Heads * HeadDim;
    }

    [ThreadStatic] static SelfAttentionJob? t_job;
    [ThreadStatic] static ScratchBuffer? t_projections;

    /// <summary>
    /// Heads per tile, or 0 when fusing does not fit: a head's columns must be whole panels of
    /// <paramref name="panelWidth"/>, one head's q, k and v must fit <see cref="ProjectionBytes"/>, and there must be a
    /// tile per thread. The largest group of heads (a divisor of Heads, so the x rows are read and quantized fewest
    /// times) whose tiles fit and come in a multiple of the threads (no thread left idle for a last tile).
    /// </summary>
    public static int HeadsPerTile(in Shape shape, int panelWidth, int threads)
    {
        if (shape.Batch <= 0 || shape.Length <= 0 || shape.Heads <= 0 || shape.HeadDim <= 0 || shape.HeadDim % panelWidth != 0) return 0;
        long headBytes = 3L * shape.Length * shape.HeadDim * sizeof(float);
        if (headBytes > ProjectionBytes) return 0;
        int fallback = 0;
        for (int group = shape.Heads; group >= 1; group--)
        {
            if (shape.Heads % group != 0 || group * headBytes > ProjectionBytes) continue;
            long tiles = (long)shape.Batch * (shape.Heads / group);
            if (tiles < threads || tiles > WorkerPool.MaxTiles) continue;
            if (tiles % threads == 0) return group;
            if (fallback == 0) fallback = group;
        }
        return fallback;
    }

    /// <summary>
    /// context [Batch · Length, Hidden] = attention(x·Wqᵀ + bq, x·Wkᵀ + bk, x·Wvᵀ + bv) in float32, for x
    /// [Batch · Length, Hidden] (row stride <paramref name="ldx"/>) and keyMask [Batch, Length] of 1/0;
    /// <paramref name="headsPerTile"/> from <see cref="HeadsPerTile"/>.
    /// </summary>
    public static void Run(in Shape shape, int headsPerTile, float* x, nint ldx, PackedWeight query, PackedWeight key,
        PackedWeight value, float* keyMask, float* context, GemmIsa isa, WorkerPool? pool)
    {
        CheckWeights(shape, query.PanelWidth, (query.InFeatures, query.OutFeatures), (key.InFeatures, key.OutFeatures),
            (value.InFeatures, value.OutFeatures));
        if (key.Isa != query.Isa || value.Isa != query.Isa)
            throw new ArgumentException($"q, k and v weights packed for different ISAs: {query}, {key}, {value}");
        var job = t_job ??= new SelfAttentionJob();
        var gemm = job.Float;
        gemm.Start(x, ldx, shape.Batch * shape.Length, Activation.Identity);
        gemm.Add(query, null, query.OutFeatures);
        gemm.Add(key, null, key.OutFeatures);
        gemm.Add(value, null, value.OutFeatures);
        try
        {
            job.Set(shape, headsPerTile, keyMask, context, isa, int8: false, measureContext: false);
            job.RunAll(pool);
        }
        finally
        {
            gemm.Clear();
        }
    }

    /// <summary>
    /// <see cref="Run"/> with int8 projections (quantized as <see cref="Int8Gemm"/> quantizes: per tensor with
    /// <paramref name="inputRange"/> when known, else measured first, or per row); with <paramref name="measureContext"/>,
    /// returns the context's range, 0 included (what the int8 attention output's per-tensor quantization needs).
    /// </summary>
    internal static ValueRange RunInt8(in Shape shape, int headsPerTile, float* x, nint ldx, Int8PackedWeight query,
        Int8PackedWeight key, Int8PackedWeight value, bool perRowActivations, ValueRange? inputRange, float* keyMask,
        float* context, bool measureContext, GemmIsa isa, WorkerPool? pool)
    {
        CheckWeights(shape, query.PanelWidth, (query.InFeatures, query.OutFeatures), (key.InFeatures, key.OutFeatures),
            (value.InFeatures, value.OutFeatures));
        if (key.Isa != query.Isa || value.Isa != query.Isa)
            throw new ArgumentException($"q, k and v weights packed for different ISAs: {query}, {key}, {value}");
        var job = t_job ??= new SelfAttentionJob();
        var gemm = Int8Gemm.Start(job.Int8, x, ldx, shape.Batch * shape.Length, query, Activation.Identity,
            perRowActivations, pool, inputRange, tileRows: shape.Length);
        gemm.Add(query, null, query.OutFeatures);
        gemm.Add(key, null, key.OutFeatures);
        gemm.Add(value, null, value.OutFeatures);
        try
        {
            job.Set(shape, headsPerTile, keyMask, context, isa, int8: true, measureContext);
            return job.RunAll(pool);
        }
        finally
        {
            gemm.Clear();
        }
    }

    // A tile computes whole panels of a head's columns: every weight must be [Hidden, Hidden], a head whole panels.
    static void CheckWeights(in Shape shape, int panelWidth, params ReadOnlySpan<(int In, int Out)> weights)
    {
        foreach (var (inFeatures, outFeatures) in weights)
            if (inFeatures != shape.Hidden || outFeatures != shape.Hidden)
                throw new ArgumentException($"a q, k or v weight is [{outFeatures}, {inFeatures}], the attention needs [{shape.Hidden}, {shape.Hidden}]");
        if (shape.HeadDim % panelWidth != 0)
            throw new ArgumentException($"a head of {shape.HeadDim} columns is not whole panels of {panelWidth}");
    }

    sealed class SelfAttentionJob : TileJob
    {
        public readonly Gemm.GemmJob Float = new();
        public readonly Int8Gemm.Int8GemmJob Int8 = new();
        readonly TileRanges _ranges = new();
        Shape _shape;
        int _group, _groups;
        float* _mask, _context;
        GemmIsa _isa;
        bool _int8, _measure;

        public void Set(in Shape shape, int headsPerTile, float* keyMask, float* context, GemmIsa isa, bool int8, bool measureContext)
        {
            if (headsPerTile <= 0 || shape.Heads % headsPerTile != 0)
                throw new ArgumentOutOfRangeException(nameof(headsPerTile), headsPerTile, $"a divisor of {shape.Heads} heads");
            _shape = shape;
            _group = headsPerTile;
            _groups = shape.Heads / headsPerTile;
            _mask = keyMask;
            _context = context;
            _isa = isa;
            _int8 = int8;
            _measure = measureContext;
        }

        public ValueRange RunAll(WorkerPool? pool)
        {
            int tiles = _shape.Batch * _groups;
            if (_measure) _ranges.Reserve(tiles);
            if (pool == null) for (int t = 0; t < tiles; t++) RunTile(t);
            else pool.Run(this, tiles);
            return _measure ? _ranges.Total(tiles) : default;
        }

        public override void RunTile(int tile)
        {
            var s = _shape;
            int b = tile / _groups, g = tile % _groups, d = s.HeadDim, width = _group * d;
            int r0 = b * s.Length, r1 = r0 + s.Length;
            int nr = _int8 ? Int8.PanelWidth : Float.PanelsOf(0).Width, first = g * width / nr;
            // The buffer: rows of the group's q columns then its k columns; then v, written straight into the panels the
            // attention's products read (what it would otherwise copy it into), when their width is whole GEMM panels.
            int ldp = 2 * width, vnr = AttentionKernel.ValuePanelWidth(_isa);
            bool packV = d % vnr == 0 && vnr % nr == 0;
            float* projections = (t_projections ??= new ScratchBuffer()).Get(s.Length * (long)(ldp + width));
            float* q = projections, k = projections + width, v = projections + (long)s.Length * ldp;
            int valueBlocks = packV ? _group * (d / vnr) : 1;
            Span<OutputBlock> blocks = stackalloc OutputBlock[2 + valueBlocks];
            blocks[0] = new OutputBlock(0, first, first + width / nr, (nint)q, ldp);
            blocks[1] = new OutputBlock(1, first, first + width / nr, (nint)k, ldp);
            if (packV)
                for (int panel = 0; panel < valueBlocks; panel++)
                {
                    // Panel `panel` of the group's v columns: [S][vnr], one after the other (head after head).
                    int p0 = first + panel * vnr / nr;
                    blocks[2 + panel] = new OutputBlock(2, p0, p0 + vnr / nr, (nint)(v + (long)panel * s.Length * vnr), vnr);
                }
            else
            {
                // Rows of the group's v columns, [S][width], which the attention packs itself.
                blocks[2] = new OutputBlock(2, first, first + width / nr, (nint)v, width);
            }
            if (_int8)
            {
                // In blocks of the int8 GEMM's own tile rows: their codes stay in L1 across the panels.
                int step = Int8Gemm.TileRows(Int8.Isa);
                for (int r = r0; r < r1; r += step) Int8.RunRowBlock(r, Math.Min(r1, r + step), blocks, originRow: r0);
            }
            else
            {
                foreach (var block in blocks)
                    Float.RunBlock(r0, r1, block.Output, block.FirstPanel, block.EndPanel, (float*)block.Y, block.Ldy);
            }
            var heads = new AttentionKernel.Shape(1, s.Length, s.Length, _group, d, ldp, ldp, packV ? ldp : width, s.Hidden, s.Causal);
            float* context = _context + (long)r0 * s.Hidden + g * width;
            AttentionKernel.RunOnThread(heads, q, k, v, _mask + (long)b * s.Length, context, _isa, packV ? v : null);
            if (_measure)
            {
                var range = new RangeAccumulator();
                for (int r = 0; r < s.Length; r++) range.Add(context + (long)r * s.Hidden, width);
                _ranges.Set(tile, range.Range);
            }
        }
    }
}
