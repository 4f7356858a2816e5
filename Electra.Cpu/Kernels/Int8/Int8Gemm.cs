using Electra.Core.Backend;
using Electra.Core.Errors;

namespace Electra.Cpu.Kernels.Int8;

/// <summary>
/// y[M, N] = act(dequantize(quantize(x) · W_qᵀ) + b): the input is quantized per call (<see cref="ActivationQuantizer"/>:
/// DynamicQuantizeLinear, per tensor or per row), multiplied with a prepacked int8 weight
/// (<see cref="Int8PackedWeight"/>) in int32, and each tile's sums become floats (rescale), get the bias and the
/// activation while still in cache. Tiles are split across threads as in <see cref="Gemm"/>; a weight packed for an
/// ISA the CPU lacks runs on that ISA's portable twin (same packing, same results).
/// </summary>
public static unsafe class Int8Gemm
{
    /// <summary>Rows of x per thread tile (a multiple of the kernels' MR).</summary>
    public const int TileRows = 64;
    /// <summary>Packed panels per thread tile.</summary>
    public const int TilePanels = 8;
    /// <summary>The most weights <see cref="MultiplyMany"/> takes at once.</summary>
    public const int MaxWeights = Gemm.MaxWeights;

    [ThreadStatic] static Int8GemmJob? t_job;

    /// <summary>
    /// y = act(x·Wᵀ + b) in int8. x is [rows, W.InFeatures] with row stride <paramref name="ldx"/>, y is [rows, W.OutFeatures]
    /// with row stride <paramref name="ldy"/>; <paramref name="perRowActivations"/> quantizes each row with its own range.
    /// </summary>
    public static void Multiply(float* x, nint ldx, int rows, Int8PackedWeight weight, float* y, nint ldy,
        Activation activation = Activation.Identity, bool perRowActivations = false, WorkerPool? pool = null)
    {
        if (rows == 0) return;
        var job = Start(x, ldx, rows, weight, activation, perRowActivations, pool);
        job.Add(weight, y, ldy);
        Run(job, pool);
    }

    /// <summary>
    /// y_i = x·W_iᵀ + b_i for up to <see cref="MaxWeights"/> weights with the same InFeatures and ISA: x is quantized
    /// once, and the tiles of all outputs share the threads. Every y_i is dense [rows, W_i.OutFeatures].
    /// </summary>
    public static void MultiplyMany(float* x, nint ldx, int rows, ReadOnlySpan<Int8PackedWeight> weights, ReadOnlySpan<nint> outputs,
        bool perRowActivations = false, WorkerPool? pool = null)
    {
        if (rows == 0) return;
        if (weights.Length is 0 or > MaxWeights || weights.Length != outputs.Length)
            throw new ArgumentException($"{weights.Length} weights, {outputs.Length} outputs (1 to {MaxWeights})");
        for (int i = 1; i < weights.Length; i++)
            if (weights[i].InFeatures != weights[0].InFeatures || weights[i].Isa != weights[0].Isa)
                throw new ArgumentException($"weight {i} ({weights[i]}) does not match weight 0 ({weights[0]})");
        var job = Start(x, ldx, rows, weights[0], Activation.Identity, perRowActivations, pool);
        for (int i = 0; i < weights.Length; i++) job.Add(weights[i], (float*)outputs[i], weights[i].OutFeatures);
        Run(job, pool);
    }

    /// <summary>Span overload: x is [rows, In] and y is [rows, Out], both dense.</summary>
    /// <exception cref="InputException">the spans do not match the weight's shape.</exception>
    public static void Multiply(ReadOnlySpan<float> x, Int8PackedWeight weight, Span<float> y,
        Activation activation = Activation.Identity, bool perRowActivations = false, WorkerPool? pool = null)
    {
        int k = weight.InFeatures, n = weight.OutFeatures;
        if (x.Length % k != 0)
            throw new InputException($"linear input has {x.Length} values, not a multiple of in_features {k}");
        int rows = x.Length / k;
        if (y.Length != (long)rows * n)
            throw new InputException($"linear output has {y.Length} values, expected [{rows}, {n}]");
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

    static Int8GemmJob Start(float* x, nint ldx, int rows, Int8PackedWeight first, Activation activation, bool perRow, WorkerPool? pool)
    {
        var quantizer = ActivationQuantizer.ForThread;
        quantizer.Run(x, ldx, rows, first.InFeatures, first.Quads, perRow, Int8IsaDetection.SignedActivations(first.Isa), pool);
        var job = t_job ??= new Int8GemmJob();
        job.Start(quantizer, rows, first, activation);
        return job;
    }

    static void Run(Int8GemmJob job, WorkerPool? pool)
    {
        job.Plan(pool?.Threads ?? 1);
        int tiles = job.TileCount;
        if (pool == null) for (int t = 0; t < tiles; t++) job.RunTile(t);
        else pool.Run(job, tiles);
        job.Clear();
    }

    sealed class Int8GemmJob : TileJob
    {
        struct Output
        {
            public float* Y, Bias, Scales;
            public sbyte* Panels;
            public int* Sums;
            public byte* SplitPairs;
            public nint Ldy;
            public int N, PanelCount;
            public Int8PackedWeight Weight; // keeps the pinned arrays reachable while tiles run
        }

        readonly Output[] _outputs = new Output[MaxWeights];
        readonly TilePlanner _plan = new();
        int _outputCount;
        byte* _codes;
        int* _rowOffsets;
        float* _rowScales;
        nint _lda;
        int _quads, _nr;
        Int8Isa _isa;
        Activation _activation;

        public int TileCount => _plan.TileCount;

        public void Start(ActivationQuantizer q, int rows, Int8PackedWeight first, Activation activation)
        {
            _codes = q.Codes; _lda = q.Stride; _rowOffsets = q.RowOffsets; _rowScales = q.RowScales;
            _activation = activation; _outputCount = 0;
            _quads = first.Quads; _nr = first.PanelWidth; _isa = first.Isa;
            _plan.Start(rows);
        }

        public void Add(Int8PackedWeight w, float* y, nint ldy)
        {
            ref var o = ref _outputs[_outputCount++];
            o.Y = y; o.Ldy = ldy; o.Weight = w; o.Panels = w.Panels; o.Bias = w.BiasPointer; o.SplitPairs = w.SplitPairs;
            o.Sums = w.ColumnSums; o.Scales = w.ColumnScales; o.N = w.OutFeatures; o.PanelCount = w.PanelCount;
            _plan.Add(w.PanelCount);
        }

        public void Plan(int threads) => _plan.Plan(threads, Int8IsaDetection.MicroKernelRows(_isa), TileRows, TilePanels);

        public void Clear()
        {
            for (int i = 0; i < _outputCount; i++) _outputs[i].Weight = null!;
            _outputCount = 0;
        }

        public override void RunTile(int tile)
        {
            bool native = Int8IsaDetection.IsSupported(_isa);
            switch (_isa)
            {
                case Int8Isa.Avx2 when native: RunTile<Int8Kernel256<Avx2Dot>>(tile); break;
                case Int8Isa.Avx2: RunTile<Int8Kernel256<PortableSignedDot>>(tile); break;
                case Int8Isa.AvxVnni when native: RunTile<Int8Kernel256<AvxVnniDot>>(tile); break;
                case Int8Isa.Avx512 when native: RunTile<Int8Kernel512<Avx512Dot>>(tile); break;
                case Int8Isa.Avx512: RunTile<Int8Kernel512<PortableSignedDot512>>(tile); break;
                default: RunTile<Int8Kernel256<PortableDot>>(tile); break;
            }
        }

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
        void RunTile<TKernel>(int tile) where TKernel : IInt8MicroKernel
        {
            int mr = TKernel.MR, nr = _nr, pairs = _quads / 2;
            var (r0, r1, which, p0, p1) = _plan.Locate(tile);
            ref readonly var o = ref _outputs[which];
            long panelBytes = (long)nr * _quads * 4;
            var e = new Int8Epilogue();
            for (int p = p0; p < p1; p++)
            {
                sbyte* b = o.Panels + p * panelBytes;
                byte* split = o.SplitPairs == null ? null : o.SplitPairs + (long)p * pairs;
                int col = p * nr, cols = Math.Min(nr, o.N - col);
                e.ColSum = o.Sums + col;
                e.ColScale = o.Scales + col;
                for (int r = r0; r < r1; r += mr)
                {
                    int rows = Math.Min(mr, r1 - r);
                    e.RowOffset = _rowOffsets + r;
                    e.RowScale = _rowScales + r;
                    TKernel.Run(_codes + r * _lda, _lda, rows, b, _quads, split, o.Y + r * o.Ldy + col, o.Ldy, cols, e);
                }
            }
            if (o.Bias != null || _activation != Activation.Identity)
            {
                int c0 = p0 * nr, width = Math.Min(o.N, p1 * nr) - c0;
                for (int r = r0; r < r1; r++)
                    ActivationKernels.BiasActivate(o.Y + r * o.Ldy + c0, o.Bias == null ? null : o.Bias + c0, width, _activation);
            }
        }
    }
}
