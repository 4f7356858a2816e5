using Electra.Core.Backend;
using Electra.Core.Errors;
using Electra.Cpu.Kernels.Int8.Vnni;

namespace Electra.Cpu.Kernels.Int8;

/// <summary>
/// y[M, N] = act(dequantize(quantize(x) · W_qᵀ) + b): the input is quantized per call (<see cref="ActivationQuantizer"/>:
/// DynamicQuantizeLinear, per tensor or per row), multiplied with a prepacked int8 weight
/// (<see cref="Int8PackedWeight"/>) in int32, and each tile's sums become floats with the bias in the kernel's rescale
/// and get the activation while still in cache. A weight packed for an ISA the CPU lacks runs on that ISA's portable
/// twin (same packing, same results).
/// <para>
/// Row tiles: each thread tile is rows × every panel of every output, and quantizes its own rows first, so the codes
/// never leave the core's cache and the input is read once; equal tiles of at most <see cref="TileRows"/> rows, a
/// multiple of the threads in number (<see cref="RowTileRows"/>). Very few rows per thread: the calling thread
/// quantizes the input, and the threads split the columns (<see cref="TilePlanner"/>).
/// Per-tensor quantization needs the input's range first: one read-only pass, or none when the producer of the input
/// reported it (<see cref="MultiplyWithRanges"/>, e.g. the feed-forward's up projection for its down projection).
/// </para>
/// </summary>
public static unsafe class Int8Gemm
{
    /// <summary>
    /// Rows of x per thread tile when there are many rows for a weight packed for <paramref name="isa"/>: the whole
    /// register tiles nearest 64 rows (64 for 4-row kernels, 63 for the 3-row AVX2 kernel).
    /// </summary>
    public static int TileRows(Int8Isa isa)
    {
        int mr = Int8IsaDetection.MicroKernelRows(isa);
        return (64 + mr / 2) / mr * mr;
    }
    /// <summary>Packed panels per thread tile when there are few rows.</summary>
    public const int TilePanels = 8;
    /// <summary>The most weights <see cref="MultiplyMany(float*, nint, int, ReadOnlySpan{Int8PackedWeight}, ReadOnlySpan{nint}, bool, WorkerPool?)"/> takes at once.</summary>
    public const int MaxWeights = Gemm.MaxWeights;

    [ThreadStatic] static Int8GemmJob? t_job;
    [ThreadStatic] static ScratchBuffer? t_codes;

    /// <summary>
    /// y = act(x·Wᵀ + b) in int8. x is [rows, W.InFeatures] with row stride <paramref name="ldx"/>, y is [rows, W.OutFeatures]
    /// with row stride <paramref name="ldy"/>; <paramref name="perRowActivations"/> quantizes each row with its own range.
    /// </summary>
    public static void Multiply(float* x, nint ldx, int rows, Int8PackedWeight weight, float* y, nint ldy,
        Activation activation = Activation.Identity, bool perRowActivations = false, WorkerPool? pool = null) =>
        MultiplyWithRanges(x, ldx, rows, weight, y, ldy, activation, perRowActivations, pool, inputRange: null, outputRange: false);

    /// <summary>
    /// <see cref="Multiply(float*, nint, int, Int8PackedWeight, float*, nint, Activation, bool, WorkerPool?)"/> that takes
    /// the input's range when the caller knows it (per-tensor quantization then skips its range pass) and, with
    /// <paramref name="outputRange"/>, returns the range of y (computed in the epilogue, while y is in cache) for the
    /// next int8 linear. The range includes 0, as DynamicQuantizeLinear's does.
    /// </summary>
    internal static ValueRange MultiplyWithRanges(float* x, nint ldx, int rows, Int8PackedWeight weight, float* y, nint ldy,
        Activation activation, bool perRowActivations, WorkerPool? pool, ValueRange? inputRange, bool outputRange)
    {
        if (rows == 0) return default;
        var job = Start(x, ldx, rows, weight, activation, perRowActivations, pool, inputRange);
        job.Add(weight, y, ldy);
        return Run(job, pool, outputRange);
    }

    /// <summary>
    /// y_i = x·W_iᵀ + b_i for up to <see cref="MaxWeights"/> weights with the same InFeatures and ISA: x is quantized
    /// once, and the tiles of all outputs share the threads. Every y_i is dense [rows, W_i.OutFeatures].
    /// </summary>
    public static void MultiplyMany(float* x, nint ldx, int rows, ReadOnlySpan<Int8PackedWeight> weights, ReadOnlySpan<nint> outputs,
        bool perRowActivations = false, WorkerPool? pool = null) =>
        MultiplyMany(x, ldx, rows, weights, outputs, perRowActivations, pool, inputRange: null);

    /// <summary>
    /// <see cref="MultiplyMany(float*, nint, int, ReadOnlySpan{Int8PackedWeight}, ReadOnlySpan{nint}, bool, WorkerPool?)"/>
    /// with the input's range when the caller knows it (per-tensor quantization then skips its range pass).
    /// </summary>
    internal static void MultiplyMany(float* x, nint ldx, int rows, ReadOnlySpan<Int8PackedWeight> weights, ReadOnlySpan<nint> outputs,
        bool perRowActivations, WorkerPool? pool, ValueRange? inputRange)
    {
        if (rows == 0) return;
        if (weights.Length is 0 or > MaxWeights || weights.Length != outputs.Length)
            throw new ArgumentException($"{weights.Length} weights, {outputs.Length} outputs (1 to {MaxWeights})");
        for (int i = 1; i < weights.Length; i++)
            if (weights[i].InFeatures != weights[0].InFeatures || weights[i].Isa != weights[0].Isa)
                throw new ArgumentException($"weight {i} ({weights[i]}) does not match weight 0 ({weights[0]})");
        var job = Start(x, ldx, rows, weights[0], Activation.Identity, perRowActivations, pool, inputRange);
        for (int i = 0; i < weights.Length; i++) job.Add(weights[i], (float*)outputs[i], weights[i].OutFeatures);
        Run(job, pool, outputRange: false);
    }

    /// <summary>Span overload: x is [rows, In] and y is [rows, Out], both dense.</summary>
    /// <exception cref="InputException">the spans do not match the weight's shape.</exception>
    public static void Multiply(ReadOnlySpan<float> x, Int8PackedWeight weight, Span<float> y,
        Activation activation = Activation.Identity, bool perRowActivations = false, WorkerPool? pool = null)
    {
        int k = weight.InFeatures, n = weight.OutFeatures;
        int rows = Gemm.CheckedRows(x.Length, k, y.Length, n);
        fixed (float* px = x)
        fixed (float* py = y)
            Multiply(px, k, rows, weight, py, n, activation, perRowActivations, pool);
    }

    /// <summary>Array overload of the span overload.</summary>
    public static float[] Multiply(float[] x, Int8PackedWeight weight, Activation activation = Activation.Identity,
        bool perRowActivations = false, WorkerPool? pool = null)
    {
        var y = new float[x.Length / weight.InFeatures * weight.OutFeatures];
        Multiply(x, weight, y, activation, perRowActivations, pool);
        return y;
    }

    static Int8GemmJob Start(float* x, nint ldx, int rows, Int8PackedWeight first, Activation activation, bool perRow,
        WorkerPool? pool, ValueRange? inputRange) =>
        Start(t_job ??= new Int8GemmJob(), x, ldx, rows, first, activation, perRow, pool, inputRange, RowTileRows(rows, pool?.Threads ?? 1, first.Isa));

    /// <summary>
    /// Quantizes x's parameters (its range first, unless given or per row) and starts <paramref name="job"/> on it with
    /// row tiles of <paramref name="tileRows"/> rows that quantize their own rows, or, with 0, on codes quantized here.
    /// </summary>
    internal static Int8GemmJob Start(Int8GemmJob job, float* x, nint ldx, int rows, Int8PackedWeight first, Activation activation,
        bool perRow, WorkerPool? pool, ValueRange? inputRange, int tileRows)
    {
        var quantizer = ActivationQuantizer.ForThread;
        int k = first.InFeatures;
        var range = perRow ? default : inputRange ?? quantizer.Range(x, ldx, rows, k, pool);
        quantizer.Prepare(rows, k, first.Quads, perRow, first.Isa, range);
        if (tileRows == 0) quantizer.QuantizeAll(x, ldx, rows);
        job.Start(quantizer, x, ldx, rows, first, activation, tileRows);
        return job;
    }

    /// <summary>
    /// The fewest row tiles per thread when a small GEMM (up to <see cref="Gemm.SmallRows"/> rows, at least
    /// <see cref="MinRowsPerThread"/> per thread) is split by rows (more when a share would exceed
    /// <see cref="TileRows"/>); 0 splits its columns instead. Kept settable for the int8-gemm benchmark's side by side
    /// of the two splits.
    /// </summary>
    internal static int SmallRowTilesPerThread = 1;

    /// <summary>Fewer rows per thread than this always split the columns (each thread would hold too few rows).</summary>
    internal const int MinRowsPerThread = 32;

    /// <summary>
    /// Rows per tile when the threads split the rows (each tile quantizes its own rows and runs every panel), or 0 when
    /// they split the columns of rows the caller quantized. Tiles hold at most <see cref="TileRows"/> rows. Few rows: in float32
    /// the weight dominates the traffic and the columns are split, but int8 weights are a quarter of the bytes, and
    /// splitting the rows lets both threads quantize (the caller alone did it, with the other thread waiting) in one
    /// dispatch. Too few rows for every thread to get a share still split the columns.
    /// </summary>
    internal static int RowTileRows(int rows, int threads, Int8Isa isa)
    {
        int tiles = (rows + TileRows(isa) - 1) / TileRows(isa);
        if (rows <= Gemm.SmallRows)
        {
            int perThread = SmallRowTilesPerThread;
            if (threads < 2 || perThread <= 0 || rows < MinRowsPerThread * threads) return 0;
            tiles = Math.Max(tiles, threads * perThread);
        }
        // As many tiles as a multiple of the threads, of equal size to within the kernel's rows (as the float GEMM's
        // planner cuts them): fixed tiles would leave a short last one, and one thread idle while another runs a full one.
        tiles = (tiles + threads - 1) / threads * threads;
        int mr = Int8IsaDetection.MicroKernelRows(isa);
        return ((rows + tiles - 1) / tiles + mr - 1) / mr * mr;
    }

    static ValueRange Run(Int8GemmJob job, WorkerPool? pool, bool outputRange)
    {
        job.Plan(pool?.Threads ?? 1, outputRange);
        int tiles = job.TileCount;
        if (pool == null) for (int t = 0; t < tiles; t++) job.RunTile(t);
        else pool.Run(job, tiles);
        var range = job.OutputRange();
        job.Clear();
        return range;
    }

    internal sealed class Int8GemmJob : TileJob
    {
        struct Output
        {
            public float* Y, Bias, Scales;
            public sbyte* Panels;
            public int* Sums;
            public nint Ldy;
            public int N, PanelCount;
            public Int8PackedWeight Weight; // keeps the pinned arrays reachable while tiles run
        }

        readonly Output[] _outputs = new Output[MaxWeights];
        readonly TilePlanner _plan = new();
        int _outputCount;
        ActivationQuantizer _quantizer = null!;
        float* _x;
        nint _ldx, _lda;
        byte* _codes;
        int* _rowOffsets;
        float* _rowScales;
        int _rows, _quads, _nr;
        bool _trackRange;
        readonly TileRanges _tileRanges = new();
        Int8Isa _isa;
        Activation _activation;

        /// <summary>Row tiles that quantize their own rows (rows per tile), or 0: column tiles on the caller's codes.</summary>
        int _tileRows;

        public int TileCount => _tileRows > 0 ? (_rows + _tileRows - 1) / _tileRows : _plan.TileCount;

        public void Start(ActivationQuantizer q, float* x, nint ldx, int rows, Int8PackedWeight first, Activation activation, int tileRows)
        {
            _quantizer = q; _x = x; _ldx = ldx; _rows = rows; _tileRows = tileRows;
            _codes = tileRows > 0 ? null : q.Codes; _lda = q.Stride; _rowOffsets = q.RowOffsets; _rowScales = q.RowScales;
            _activation = activation; _outputCount = 0;
            _quads = first.Quads; _nr = first.PanelWidth; _isa = first.Isa;
            _plan.Start(rows);
        }

        public void Add(Int8PackedWeight w, float* y, nint ldy)
        {
            ref var o = ref _outputs[_outputCount++];
            o.Y = y; o.Ldy = ldy; o.Weight = w; o.Panels = w.Panels; o.Bias = w.ColumnBiases;
            o.Sums = w.ColumnSums; o.Scales = w.ColumnScales; o.N = w.OutFeatures; o.PanelCount = w.PanelCount;
            _plan.Add(w.PanelCount);
        }

        public void Plan(int threads, bool trackRange)
        {
            if (_tileRows == 0) _plan.Plan(threads, Int8IsaDetection.MicroKernelRows(_isa), TileRows(_isa), TilePanels);
            _trackRange = trackRange;
            if (trackRange) _tileRanges.Reserve(TileCount);
        }

        /// <summary>The range of every output of the last run (when it was tracked), 0 included.</summary>
        public ValueRange OutputRange() => _trackRange ? _tileRanges.Total(TileCount) : default;

        public void Clear()
        {
            for (int i = 0; i < _outputCount; i++) _outputs[i].Weight = null!;
            _outputCount = 0;
            _quantizer = null!;
        }

        public override void RunTile(int tile)
        {
            var range = new RangeAccumulator();
            if (_tileRows > 0)
            {
                // Rows [r0, r1) × every panel: quantize the rows into this thread's buffer, then run all the panels on them.
                int r0 = tile * _tileRows, r1 = Math.Min(_rows, r0 + _tileRows);
                byte* codes = (byte*)(t_codes ??= new ScratchBuffer()).Get(((long)_tileRows * _lda + 3) / 4);
                _quantizer.QuantizeRows(_x, _ldx, r0, r1, codes);
                for (int i = 0; i < _outputCount; i++)
                    RunPanels(in _outputs[i], r0, r1, 0, _outputs[i].PanelCount, codes - r0 * _lda, ref range);
            }
            else
            {
                var (r0, r1, which, p0, p1) = _plan.Locate(tile);
                RunPanels(in _outputs[which], r0, r1, p0, p1, _codes, ref range);
            }
            if (_trackRange) _tileRanges.Set(tile, range.Range);
        }

        /// <summary>
        /// Rows [r0, r1) of the given blocks of the outputs on the calling thread: the rows are quantized once into this
        /// thread's buffer, and each block goes where it says, its Y being row <paramref name="originRow"/>'s (the
        /// fused self-attention's tiles, which keep their projections in a buffer of their own). Every element gets the
        /// bits of a whole run's tile (the codes, the integer sums and the epilogue do not depend on the tiling). The
        /// job must have been started with row tiles.
        /// </summary>
        public void RunRowBlock(int r0, int r1, ReadOnlySpan<OutputBlock> blocks, int originRow)
        {
            byte* codes = (byte*)(t_codes ??= new ScratchBuffer()).Get(((long)(r1 - r0) * _lda + 3) / 4);
            _quantizer.QuantizeRows(_x, _ldx, r0, r1, codes);
            var range = new RangeAccumulator();
            foreach (var block in blocks)
            {
                var o = _outputs[block.Output];
                int p0 = block.FirstPanel, p1 = block.EndPanel;
                // The output as the block sees it: y + r · ldy + column, for the block's rows and columns only.
                o.Y = (float*)block.Y - originRow * block.Ldy - p0 * _nr;
                o.Ldy = block.Ldy;
                RunPanels(in o, r0, r1, p0, p1, codes - r0 * _lda, ref range);
            }
        }

        /// <summary>The panels' width (every output's).</summary>
        public int PanelWidth => _nr;

        /// <summary>The ISA the weights were packed for.</summary>
        public Int8Isa Isa => _isa;

        /// <summary>
        /// <see cref="RunPanels{TKernel}"/> on the weight's ISA's kernel, or its portable twin where the CPU lacks the ISA
        /// (same packing, same results); chosen once per block of panels.
        /// </summary>
        void RunPanels(in Output o, int r0, int r1, int p0, int p1, byte* codes, ref RangeAccumulator range)
        {
            bool native = Int8IsaDetection.IsSupported(_isa);
            switch (_isa)
            {
                case Int8Isa.Avx2 when native: RunPanels<Int8Kernel3x16<Avx2Dot>>(in o, r0, r1, p0, p1, codes, ref range); break;
                case Int8Isa.Avx2: RunPanels<Int8Kernel3x16<PortableSignedDot>>(in o, r0, r1, p0, p1, codes, ref range); break;
                case Int8Isa.AvxVnni when native: RunPanels<Int8Kernel256<AvxVnniDot>>(in o, r0, r1, p0, p1, codes, ref range); break;
                case Int8Isa.Avx512 when native: RunPanels<Int8Kernel512<Avx512Dot>>(in o, r0, r1, p0, p1, codes, ref range); break;
                case Int8Isa.Avx512: RunPanels<Int8Kernel512<PortableSignedDot512>>(in o, r0, r1, p0, p1, codes, ref range); break;
                case Int8Isa.Avx512Vnni when native: RunPanels<Int8KernelVnni>(in o, r0, r1, p0, p1, codes, ref range); break;
                case Int8Isa.Avx512Vnni: RunPanels<Int8Kernel512<PortableDot512>>(in o, r0, r1, p0, p1, codes, ref range); break;
                default: RunPanels<Int8Kernel256<PortableDot>>(in o, r0, r1, p0, p1, codes, ref range); break;
            }
        }

        /// <summary>Rows [r0, r1) × panels [p0, p1) of one output; codes + r · lda is row r's codes.</summary>
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
        void RunPanels<TKernel>(in Output o, int r0, int r1, int p0, int p1, byte* codes, ref RangeAccumulator range)
            where TKernel : IInt8MicroKernel
        {
            // Row tiles span every panel: the epilogue runs after each group of TilePanels panels rather than once at the
            // end, so the block it reads (rows × 128 columns, 32 KiB for 64 rows) is still in L1, not the whole tile.
            for (int g = p0; g < p1; g += TilePanels)
                RunPanelGroup<TKernel>(in o, r0, r1, g, Math.Min(p1, g + TilePanels), codes, ref range);
        }

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
        void RunPanelGroup<TKernel>(in Output o, int r0, int r1, int p0, int p1, byte* codes, ref RangeAccumulator range)
            where TKernel : IInt8MicroKernel
        {
            // A kernel that runs whole strips (the generated VNNI code) gets all the rows in one call.
            int step = TKernel.RunsWholeStrips ? r1 - r0 : TKernel.MR, nr = _nr;
            long panelBytes = (long)nr * _quads * 4;
            var e = new Int8Epilogue { UniformRows = !_quantizer.PerRow };
            for (int p = p0; p < p1; p++)
            {
                sbyte* b = o.Panels + p * panelBytes;
                byte* split = o.Weight.PanelSplitPairs(p);
                int col = p * nr, cols = Math.Min(nr, o.N - col);
                e.ColSum = o.Sums + col;
                e.ColScale = o.Scales + col;
                e.ColBias = o.Bias + col;
                for (int r = r0; r < r1; r += step)
                {
                    int rows = Math.Min(step, r1 - r);
                    e.RowOffset = _rowOffsets + r;
                    e.RowScale = _rowScales + r;
                    TKernel.Run(codes + r * _lda, _lda, rows, b, _quads, split, o.Y + r * o.Ldy + col, o.Ldy, cols, e);
                }
            }
            // The kernels have added the bias. The activation runs once over the finished block, still in cache; so does
            // the range the next linear needs.
            int c0 = p0 * nr, width = Math.Min(o.N, p1 * nr) - c0;
            if (_activation != Activation.Identity)
                for (int r = r0; r < r1; r++)
                    ActivationKernels.BiasActivate(o.Y + r * o.Ldy + c0, null, width, _activation);
            if (_trackRange)
                for (int r = r0; r < r1; r++)
                    range.Add(o.Y + r * o.Ldy + c0, width);
        }
    }
}
