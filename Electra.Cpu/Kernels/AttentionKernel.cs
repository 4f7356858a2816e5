using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Electra.Cpu.Kernels;

/// <summary>
/// Multi-head scaled dot-product attention with transformers' additive-mask semantics (ElectraSelfAttention):
/// scores = q·kᵀ / √d + (1 − mask)·float.MinValue, softmax over keys, context = P·v.
/// Work is split into tiles of (batch, head, block of queries); a tile packs its head's K and V into microkernel
/// panels and keeps its score block (≤ <see cref="QueryBlock"/> × Sk floats) in cache while it goes through
/// scores → softmax → P·V. Both products run on the GEMM microkernels.
/// </summary>
public static unsafe partial class AttentionKernel
{
    /// <summary>Off: every row takes the masked softmax on 256-bit vectors, as before the unmasked path existed (for
    /// benchmarks that time both in one process).</summary>
    internal static bool UnmaskedSoftmaxPath = true;

    /// <summary>Off: no prefetching of the next tile's rows (for benchmarks that time both in one process).</summary>
    internal static bool PrefetchNextTile = true;

    // Half of Zen 4's 2 MiB L2 per core: q, k and v that fit in it together are not prefetched.
    const long PrefetchAbove = 1 << 20;

    /// <summary>Queries per tile (a multiple of every kernel's MR).</summary>
    public const int QueryBlock = 48;

    [ThreadStatic] static ScratchBuffer? t_keys, t_values, t_scores;
    [ThreadStatic] static AttentionJob? t_job;
    // Which (call, batch·head) this thread's packed K and V belong to: a thread's tiles are mostly consecutive
    // query blocks of the same head, which then reuse the packing instead of redoing it.
    [ThreadStatic] static long t_packedCall;
    [ThreadStatic] static int t_packedHead;
    static long s_calls;

    /// <summary>Shapes and strides of one attention call (rows strides in floats).</summary>
    public readonly record struct Shape(int Batch, int QueryLength, int KeyLength, int Heads, int HeadDim,
        int QueryStride, int KeyStride, int ValueStride, int ContextStride, bool Causal);

    /// <summary>
    /// q: [B, Sq, ·] with head h at columns h·d.., k and v: [B, Sk, ·]; keyMask: [B, Sk] of 1/0; context: [B, Sq, ·]
    /// written at columns h·d..; probabilities: [B, heads, Sq, Sk] or null.
    /// </summary>
    public static void Run(in Shape shape, float* q, float* k, float* v, float* keyMask, float* context,
        float* probabilities, GemmIsa isa, WorkerPool? pool) =>
        RunBatch(shape, q, k, v, keyMask, context, probabilities, isa, pool, measureContext: false);

    /// <summary><see cref="Run"/>, with the context's range when <paramref name="measureContext"/> (see
    /// <see cref="RunMeasuringContext"/>).</summary>
    static Int8.ValueRange RunBatch(in Shape shape, float* q, float* k, float* v, float* keyMask, float* context,
        float* probabilities, GemmIsa isa, WorkerPool? pool, bool measureContext)
    {
        if (shape.Batch == 0 || shape.QueryLength == 0) return default;
        var job = t_job ??= new AttentionJob();
        job.Set(shape, q, k, v, keyMask, context, probabilities, isa);
        job.QueryBlocks = (shape.QueryLength + QueryBlock - 1) / QueryBlock;
        int tiles = shape.Batch * shape.Heads * job.QueryBlocks;
        job.MeasureContext(measureContext, tiles);
        RunTiles(job, tiles, pool);
        return measureContext ? job.ContextRange(tiles) : default;
    }

    /// <summary>
    /// Self-attention of packed rows: segment i is rows segmentStarts[i] .. segmentStarts[i + 1] − 1 of q, k, v, the
    /// mask and the context (row stride <paramref name="stride"/>, head h at columns h·headDim..) and attends to
    /// itself only. Every segment, head and block of queries is one tile of a single parallel run, so many short
    /// segments cost one hand-off to the threads, not one each; each tile computes exactly what
    /// <see cref="Run"/> computes for that segment alone as a batch of one.
    /// </summary>
    public static void RunSegments(ReadOnlySpan<int> segmentStarts, int heads, int headDim, int stride, bool causal,
        float* q, float* k, float* v, float* keyMask, float* context, GemmIsa isa, WorkerPool? pool)
    {
        var job = t_job ??= new AttentionJob();
        int tiles = job.SetSegments(segmentStarts, heads);
        if (tiles == 0) return;
        job.Set(new Shape(1, 0, 0, heads, headDim, stride, stride, stride, stride, causal), q, k, v, keyMask, context, null, isa);
        try
        {
            RunTiles(job, tiles, pool);
        }
        finally
        {
            job.Segments = 0;
        }
    }

    /// <summary>The width of the panels V is packed in for <paramref name="isa"/> (the microkernel's columns).</summary>
    internal static int ValuePanelWidth(GemmIsa isa) => GemmIsaDetection.PanelWidth(isa);

    /// <summary>
    /// Every head and query block of a batch of one (<paramref name="shape"/>.Batch = 1, no probabilities) on the
    /// calling thread, each head's K and V packed once: the fused self-attention's tiles, whose q, k and v were just
    /// written to the thread's cache, so nothing is prefetched. <paramref name="packedValues"/>, when given, holds v
    /// already in the panels the products read (head after head, each [d / w][Sk][w] for w = <see cref="ValuePanelWidth"/>,
    /// d a multiple of w), which v is then not read for. Each block gets the bits of <see cref="Run"/>.
    /// </summary>
    internal static void RunOnThread(in Shape shape, float* q, float* k, float* v, float* keyMask, float* context, GemmIsa isa,
        float* packedValues = null)
    {
        if (shape.Batch != 1) throw new ArgumentException($"a batch of one, got {shape.Batch}");
        if (shape.QueryLength == 0) return;
        var job = t_threadJob ??= new AttentionJob { Prefetches = false };
        job.Set(shape, q, k, v, keyMask, context, null, isa);
        job.PackedValues = packedValues;
        job.QueryBlocks = (shape.QueryLength + QueryBlock - 1) / QueryBlock;
        for (int t = 0, tiles = shape.Heads * job.QueryBlocks; t < tiles; t++) job.RunTile(t);
    }

    // The calling thread's own job for RunOnThread, which runs inside another job's tile.
    [ThreadStatic] static AttentionJob? t_threadJob;

    // On the pool's threads, or on the calling thread alone when there is no pool.
    static void RunTiles(AttentionJob job, int tiles, WorkerPool? pool)
    {
        if (pool == null) for (int t = 0; t < tiles; t++) job.RunTile(t);
        else pool.Run(job, tiles);
    }

    sealed partial class AttentionJob : TileJob
    {
        public Shape Shape;
        public float* Q, K, V, Mask, Context, Probabilities;
        public GemmIsa Isa;
        public int QueryBlocks;
        public long Call;
        /// <summary>Whether tiles prefetch what the next ones read (off where q, k and v are in cache already).</summary>
        public bool Prefetches = true;
        /// <summary>V in packed panels, head after head (see <see cref="RunOnThread"/>), or null: each tile packs its own.</summary>
        public float* PackedValues;
        // Packed segments (RunSegments), 0 for a padded batch (Run): per non-empty segment its first row, its length
        // and the end of its tiles (cumulative), searched by tile.
        public int Segments;
        int[] _starts = [], _lengths = [], _tileEnds = [];

        /// <summary>The operands of a new call; a new call number, so no thread reuses another call's packed K and V.</summary>
        public void Set(in Shape shape, float* q, float* k, float* v, float* keyMask, float* context, float* probabilities, GemmIsa isa)
        {
            Shape = shape;
            Q = q; K = k; V = v; Mask = keyMask; Context = context; Probabilities = probabilities;
            Isa = isa;
            PackedValues = null;
            Call = Interlocked.Increment(ref s_calls);
        }

        /// <summary>Records the non-empty segments; returns the tiles they make (heads × query blocks each).</summary>
        public int SetSegments(ReadOnlySpan<int> segmentStarts, int heads)
        {
            int count = Math.Max(0, segmentStarts.Length - 1);
            if (_starts.Length < count)
            {
                _starts = new int[count];
                _lengths = new int[count];
                _tileEnds = new int[count];
            }
            int segments = 0, tiles = 0;
            for (int i = 0; i < count; i++)
            {
                int length = segmentStarts[i + 1] - segmentStarts[i];
                if (length <= 0) continue;
                tiles = checked(tiles + heads * ((length + QueryBlock - 1) / QueryBlock));
                (_starts[segments], _lengths[segments], _tileEnds[segments]) = (segmentStarts[i], length, tiles);
                segments++;
            }
            Segments = segments;
            return tiles;
        }

        public override void RunTile(int tile)
        {
            switch (Isa)
            {
                case GemmIsa.Avx2: RunTile<Avx2Kernel>(tile); break;
                case GemmIsa.Avx512: RunTile<Avx512Kernel>(tile); break;
                default: RunTile<PortableKernel>(tile); break;
            }
        }

        void RunTile<TKernel>(int tile) where TKernel : IMicroKernel
        {
            if (Segments == 0)
            {
                int bh = tile / QueryBlocks;
                Block<TKernel>(Shape, Q, K, V, Mask, Context, Probabilities, bh / Shape.Heads, bh % Shape.Heads, tile % QueryBlocks, bh,
                    NextTiles(tile));
                if (_measuresContext) MeasureContextBlock(tile);
                return;
            }
            // The segment whose tiles hold this one: the first whose tile end is past it.
            int lo = 0, hi = Segments - 1;
            while (lo < hi)
            {
                int mid = (lo + hi) >> 1;
                if (_tileEnds[mid] > tile) hi = mid; else lo = mid + 1;
            }
            int local = tile - (lo == 0 ? 0 : _tileEnds[lo - 1]), length = _lengths[lo];
            int blocks = (length + QueryBlock - 1) / QueryBlock, h = local / blocks;
            long offset = (long)_starts[lo] * Shape.QueryStride;
            Block<TKernel>(Shape with { QueryLength = length, KeyLength = length }, Q + offset, K + offset, V + offset,
                Mask + _starts[lo], Context + offset, null, 0, h, local % blocks, lo * Shape.Heads + h, default);
        }

        /// <summary>
        /// What this thread's next tiles will read (a thread's tiles are mostly consecutive): the queries of tile + 1,
        /// and a share of the next head's keys and values in each of this head's tiles (2 × Sk rows, spread so that
        /// they arrive well ahead of their packing without bursts). Nothing when q, k and v fit in L2 together (a short
        /// batch: fetching what is cached already only costs) or when prefetching is off.
        /// </summary>
        AttentionPrefetch NextTiles(int tile)
        {
            int heads = Shape.Batch * Shape.Heads, next = tile + 1;
            int d = Shape.HeadDim, sk = Shape.KeyLength;
            long bytes = 4L * Shape.Batch * (Shape.QueryLength * (long)Shape.QueryStride + sk * (long)(Shape.KeyStride + Shape.ValueStride));
            if (!PrefetchNextTile || !Prefetches || next >= heads * QueryBlocks || bytes <= PrefetchAbove) return default;
            int bh = next / QueryBlocks, q0 = next % QueryBlocks * QueryBlock;
            float* queries = Q + ((long)bh / Shape.Heads * Shape.QueryLength + q0) * Shape.QueryStride + bh % Shape.Heads * d;
            int nextHead = tile / QueryBlocks + 1, qb = tile % QueryBlocks;
            bool another = nextHead < heads;
            long keyOffset = (long)(nextHead / Shape.Heads) * sk;
            int h = nextHead % Shape.Heads;
            return new AttentionPrefetch(queries, Shape.QueryStride, Math.Min(QueryBlock, Shape.QueryLength - q0),
                K + keyOffset * Shape.KeyStride + h * d, Shape.KeyStride, V + keyOffset * Shape.ValueStride + h * d,
                Shape.ValueStride, sk, another ? qb * 2 * sk / QueryBlocks : 0, another ? (qb + 1) * 2 * sk / QueryBlocks : 0, d);
        }

        /// <summary>Query block <paramref name="qb"/> of head <paramref name="h"/> of batch row <paramref name="b"/>;
        /// <paramref name="packedId"/> names the (row, head) whose K and V packing a thread may reuse within a call.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        void Block<TKernel>(in Shape s, float* q, float* k, float* v, float* maskBase, float* context, float* probabilities,
            int b, int h, int qb, int packedId, in AttentionPrefetch next) where TKernel : IMicroKernel
        {
            int d = s.HeadDim, sk = s.KeyLength, mr = TKernel.MR, nr = TKernel.NR;
            int q0 = qb * QueryBlock, rows = Math.Min(QueryBlock, s.QueryLength - q0);
            // skPad: the keys rounded up to whole panels (and to whole vectors, which Softmax needs), the score rows' stride.
            int keyPanels = (sk + nr - 1) / nr, skPad = (keyPanels * nr + 7) & ~7;
            int dimPanels = (d + nr - 1) / nr;

            float* kt = (t_keys ??= new ScratchBuffer()).Get((long)keyPanels * nr * d);
            bool packed = PackedValues != null;
            float* vp = packed ? PackedValues + (long)h * dimPanels * sk * nr : (t_values ??= new ScratchBuffer()).Get((long)dimPanels * sk * nr);
            if (t_packedCall != Call || t_packedHead != packedId)
            {
                PackKeys(s, k, kt, b, h, keyPanels, nr);
                if (!packed) PackValues(s, v, vp, b, h, dimPanels, nr);
                t_packedCall = Call;
                t_packedHead = packedId;
            }

            float* scores = (t_scores ??= new ScratchBuffer()).Get((long)QueryBlock * skPad);
            float* qBase = q + ((long)b * s.QueryLength + q0) * s.QueryStride + h * d;
            for (int p = 0; p < keyPanels; p++)
                for (int r = 0; r < rows; r += mr)
                    TKernel.Run(qBase + (long)r * s.QueryStride, s.QueryStride, Math.Min(mr, rows - r),
                        kt + (long)p * d * nr, d, scores + (long)r * skPad + p * nr, skPad, nr, accumulate: false);

            // torch divides the float32 scores by the scalar √d cast to float32.
            float divisor = (float)Math.Sqrt(d);
            float* mask = maskBase + (long)b * sk;
            // A batch row without padding (the usual case) needs no mask term; its rows that see every key take the
            // cheaper softmax, on 512-bit vectors where the products use them (skPad is then a multiple of 16).
            bool unmasked = UnmaskedSoftmaxPath && AllOnes(mask, sk);
            bool wide = Isa == GemmIsa.Avx512;
            // Without probabilities to return, the rows stay unnormalised and their context rows are scaled instead
            // (d instead of Sk products per row).
            float* inverseSums = stackalloc float[QueryBlock];
            for (int r = 0; r < rows; r++)
            {
                int visible = s.Causal ? Math.Min(sk, sk - s.QueryLength + q0 + r + 1) : sk;
                float* row = scores + (long)r * skPad;
                next.Fetch(r, rows);
                float inverseSum = unmasked && visible == sk
                    ? ExponentiateUnmasked(row, sk, divisor, wide)
                    : ExponentiateShifted(row, mask, sk, visible, divisor);
                if (probabilities == null)
                {
                    inverseSums[r] = inverseSum;
                    continue;
                }
                ScaleRow(row, sk, inverseSum);
                float* dst = probabilities + (((long)b * s.Heads + h) * s.QueryLength + q0 + r) * sk;
                new ReadOnlySpan<float>(row, sk).CopyTo(new Span<float>(dst, sk));
            }

            float* cBase = context + ((long)b * s.QueryLength + q0) * s.ContextStride + h * d;
            for (int p = 0; p < dimPanels; p++)
            {
                int cols = Math.Min(nr, d - p * nr);
                for (int r = 0; r < rows; r += mr)
                    TKernel.Run(scores + (long)r * skPad, skPad, Math.Min(mr, rows - r), vp + (long)p * sk * nr, sk,
                        cBase + (long)r * s.ContextStride + p * nr, s.ContextStride, cols, accumulate: false);
            }
            if (probabilities == null)
                for (int r = 0; r < rows; r++) ScaleRow(cBase + (long)r * s.ContextStride, d, inverseSums[r]);
        }

        static void ScaleRow(float* row, int count, float factor)
        {
            var f = Vector256.Create(factor);
            int j = 0;
            for (; j + 8 <= count; j += 8) Vector256.Store(Vector256.Load(row + j) * f, row + j);
            for (; j < count; j++) row[j] *= factor;
        }

        // Kᵀ for one head as panels of nr keys: [panel][d][nr], zero past Sk.
        static void PackKeys(in Shape s, float* k, float* kt, int b, int h, int keyPanels, int nr)
        {
            int d = s.HeadDim, sk = s.KeyLength;
            float* kBase = k + (long)b * sk * s.KeyStride + h * d;
            for (int p = 0; p < keyPanels; p++)
            {
                float* panel = kt + (long)p * d * nr;
                int keys = Math.Min(nr, sk - p * nr);
                Transpose.Panel(kBase + (long)p * nr * s.KeyStride, s.KeyStride, keys, d, panel, nr);
            }
        }

        // V for one head as panels of nr head dimensions: [panel][Sk][nr], zero past d.
        static void PackValues(in Shape s, float* v, float* vp, int b, int h, int dimPanels, int nr)
        {
            int d = s.HeadDim, sk = s.KeyLength;
            float* vBase = v + (long)b * sk * s.ValueStride + h * d;
            for (int p = 0; p < dimPanels; p++)
            {
                float* panel = vp + (long)p * sk * nr;
                int cols = Math.Min(nr, d - p * nr);
                if (cols == nr && nr % Vector256<float>.Count == 0)
                {
                    // Full panels (every panel when d is a multiple of nr): whole vectors, no per-float loop.
                    for (int j = 0; j < sk; j++)
                    {
                        float* row = vBase + (long)j * s.ValueStride + p * nr;
                        float* dst = panel + (long)j * nr;
                        for (int t = 0; t < nr; t += Vector256<float>.Count) Vector256.Store(Vector256.Load(row + t), dst + t);
                    }
                    continue;
                }
                for (int j = 0; j < sk; j++)
                {
                    float* row = vBase + (long)j * s.ValueStride + p * nr;
                    float* dst = panel + (long)j * nr;
                    int t = 0;
                    for (; t < cols; t++) dst[t] = row[t];
                    for (; t < nr; t++) dst[t] = 0f;
                }
            }
        }
    }

    // MaxNative (one vmaxps) rather than Max, whose IEEE 754-2019 NaN and ±0 ordering compiles to eight instructions
    // ending in a blend on the loop's dependency chain (the softmax took 71 instead of 60 µs per 1 × 128 layer). The
    // maximum of finite scores is the same value either way; a NaN score still makes the row all NaN, through the sum.
    static float HorizontalMax(Vector256<float> v)
    {
        var m = Vector128.MaxNative(v.GetLower(), v.GetUpper());
        m = Vector128.MaxNative(m, Vector128.Shuffle(m, Vector128.Create(2, 3, 0, 1)));
        m = Vector128.MaxNative(m, Vector128.Shuffle(m, Vector128.Create(1, 0, 3, 2)));
        return m.ToScalar();
    }

    /// <summary>
    /// In place over one score row: x/divisor + (1 − mask)·MinValue (keys at or past <paramref name="visible"/> get
    /// MinValue added as well, the causal mask), then a max-shifted softmax. The row must have room for
    /// <paramref name="length"/> rounded up to a whole vector (8 floats): a short last vector is computed as a whole one,
    /// its lanes past the row masked (a row of 15 keys, a short text's, used to take seven one-lane exps).
    /// </summary>
    internal static void Softmax(float* row, float* mask, int length, int visible, float divisor)
    {
        var inv = Vector256.Create(ExponentiateShifted(row, mask, length, visible, divisor));
        for (int j = 0; j < length; j += 8) Vector256.Store(Vector256.Load(row + j) * inv, row + j);
    }

    /// <summary>
    /// <see cref="Softmax"/> without its last step: leaves e^(x − max) in the row and returns 1 / their sum, so that a
    /// caller who only needs P·v can scale the d-wide context row instead of the Sk-wide probabilities.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static float ExponentiateShifted(float* row, float* mask, int length, int visible, float divisor)
    {
        var one = Vector256<float>.One;
        var min = Vector256.Create(float.MinValue);
        var max = Vector256.Create(float.NegativeInfinity);
        int full = length & ~7, rest = length - full;
        // Lanes of the last, partial vector that hold keys; its mask values come through a zero-filled copy, so no
        // read goes past the mask's end.
        var lanes = Vector256.LessThan(Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7), Vector256.Create(rest)).AsSingle();
        var restMask = Vector256<float>.Zero;
        if (rest > 0)
        {
            float* m8 = stackalloc float[8];
            for (int t = 0; t < 8; t++) m8[t] = t < rest ? mask[full + t] : 0f;
            restMask = Vector256.Load(m8);
        }
        int j = 0;
        if ((BitConverter.SingleToInt32Bits(divisor) & 0x7FFFFF) == 0)
        {
            // √d is a power of two (d = 16, 64, 256): x·(1/√d) is then exactly x/√d, and a multiply is far cheaper.
            var scale = Vector256.Create(1f / divisor);
            for (; j < full; j += 8)
            {
                var x = Vector256.Load(row + j) * scale + (one - Vector256.Load(mask + j)) * min;
                Vector256.Store(x, row + j);
                max = Vector256.MaxNative(max, x);
            }
            if (rest > 0)
            {
                var x = Vector256.Load(row + full) * scale + (one - restMask) * min;
                x = Vector256.ConditionalSelect(lanes, x, Vector256.Create(float.NegativeInfinity));
                Vector256.Store(x, row + full);
                max = Vector256.MaxNative(max, x);
            }
        }
        else
        {
            var div = Vector256.Create(divisor);
            for (; j < full; j += 8)
            {
                var x = Vector256.Load(row + j) / div + (one - Vector256.Load(mask + j)) * min;
                Vector256.Store(x, row + j);
                max = Vector256.MaxNative(max, x);
            }
            if (rest > 0)
            {
                var x = Vector256.Load(row + full) / div + (one - restMask) * min;
                x = Vector256.ConditionalSelect(lanes, x, Vector256.Create(float.NegativeInfinity));
                Vector256.Store(x, row + full);
                max = Vector256.MaxNative(max, x);
            }
        }
        float m = HorizontalMax(max);
        if (visible < length)
        {
            // transformers multiplies the causal and padding masks before turning them additive, so a key
            // that is both future and padding gets MinValue once (binary masks).
            for (int t = visible; t < length; t++)
                if (mask[t] != 0f) row[t] += float.MinValue;
            m = float.NegativeInfinity;
            for (int t = 0; t < length; t++) m = MathF.Max(m, row[t]);
        }

        var shift = Vector256.Create(m);
        var sum = Vector256<float>.Zero;
        for (j = 0; j < full; j += 8)
        {
            var e = VectorMath.ExpOfNonPositive(Vector256.Load(row + j) - shift);
            Vector256.Store(e, row + j);
            sum += e;
        }
        if (rest > 0)
        {
            // Exp saturates at the smallest normal float rather than 0, so the lanes past the row are zeroed.
            var e = VectorMath.ExpOfNonPositive(Vector256.Load(row + full) - shift) & lanes;
            Vector256.Store(e, row + full);
            sum += e;
        }
        return 1f / Vector256.Sum(sum);
    }
}
