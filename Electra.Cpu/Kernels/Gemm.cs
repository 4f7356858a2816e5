using Electra.Core.Backend;
using Electra.Core.Errors;

namespace Electra.Cpu.Kernels;

/// <summary>
/// y[M, N] = act(x[M, K] · Wᵀ + b) with W prepacked (<see cref="PackedWeight"/>). The output is cut into tiles of
/// <see cref="TileRows"/> rows × <see cref="TilePanels"/> panels that threads take independently; inside a tile the
/// loops are k-block → panel → row block, so a packed panel slice (kc × NR) stays in L1 (16-float panels) or L2 while
/// the microkernel runs down the tile's rows, and the tile's x block stays in L2 across panels. Bias and activation are
/// applied to the whole tile once its last k-block is done, while it is still in cache.
/// </summary>
public static unsafe partial class Gemm
{
    /// <summary>Rows of x per thread tile (a multiple of every kernel's MR).</summary>
    public const int TileRows = 72;
    /// <summary>Packed panels per thread tile.</summary>
    public const int TilePanels = 8;
    /// <summary>Depth of one k-block for 16-float panels (AVX2, portable): keeps kc × NR floats of the panel within L1.</summary>
    public const int BlockDepth = 256;
    /// <summary>
    /// Depth of one k-block for 32-float panels (AVX-512). A 256-deep slice of them already filled all of a 32 KiB L1, so
    /// blocking bought no L1 residency; one block up to K = 1024 reads each panel as one contiguous stream and stores C
    /// once (Zen 4, one thread, weights cycled through more than the L3, GFLOP per CPU-second alternating in one process:
    /// 64 × 256 × 1024 92.9 → 100.7, 576 rows 106.7 → 109.2, 144 × 768 × 768 105.2 → 109.8, 144 × 768 × 3072 unchanged).
    /// </summary>
    public const int WideBlockDepth = 1024;
    /// <summary>Up to this many rows a multi-threaded GEMM splits columns rather than rows (x stays within L2).</summary>
    public const int SmallRows = 192;

    [ThreadStatic] static GemmJob? t_job;
    [ThreadStatic] static ScratchBuffer? t_block;

    /// <summary>
    /// Computes y = act(x·Wᵀ + b). x is [rows, W.InFeatures] with row stride <paramref name="ldx"/>, y is
    /// [rows, W.OutFeatures] with row stride <paramref name="ldy"/>. Runs on <paramref name="pool"/> when given.
    /// </summary>
    public static void Multiply(float* x, nint ldx, int rows, PackedWeight weight, float* y, nint ldy,
        Activation activation = Activation.Identity, WorkerPool? pool = null)
    {
        if (rows == 0) return;
        if (weight.OutFeatures == 1)
        {
            MultiplyColumn(x, ldx, rows, weight, y, ldy, activation, pool);
            return;
        }
        var job = t_job ??= new GemmJob();
        job.Start(x, ldx, rows, activation);
        job.Add(weight, y, ldy);
        Run(job, pool);
    }

    /// <summary>
    /// y_i = x·W_iᵀ + b_i for up to <see cref="MaxWeights"/> weights with the same InFeatures and packing, as one
    /// parallel operation (one synchronisation instead of one per weight; tiles of all outputs share the threads).
    /// Every y_i is dense [rows, W_i.OutFeatures].
    /// </summary>
    public static void MultiplyMany(float* x, nint ldx, int rows, ReadOnlySpan<PackedWeight> weights, ReadOnlySpan<nint> outputs,
        WorkerPool? pool = null)
    {
        if (rows == 0) return;
        if (weights.Length > MaxWeights || weights.Length != outputs.Length)
            throw new ArgumentException($"{weights.Length} weights, {outputs.Length} outputs (at most {MaxWeights})");
        var job = t_job ??= new GemmJob();
        job.Start(x, ldx, rows, Activation.Identity);
        for (int i = 0; i < weights.Length; i++)
        {
            if (weights[i].InFeatures != weights[0].InFeatures || weights[i].Isa != weights[0].Isa)
                throw new ArgumentException($"weight {i} ({weights[i]}) does not match weight 0 ({weights[0]})");
            job.Add(weights[i], (float*)outputs[i], weights[i].OutFeatures);
        }
        Run(job, pool);
    }

    /// <summary>
    /// y = LayerNorm(x·Wᵀ + b + residual) over each row of W.OutFeatures values (a transformer's output dense layer): every
    /// tile holds whole rows, and normalises each as soon as its last panel is done, while the row is still in cache,
    /// instead of a LayerNorm pass of its own (one synchronisation of the threads less). Each row gets exactly the bits of
    /// <see cref="Multiply(float*, nint, int, PackedWeight, float*, nint, Activation, WorkerPool?)"/> followed by
    /// <see cref="LayerNormKernel"/>. residual has row stride <paramref name="ldr"/>; gamma and beta hold OutFeatures
    /// values; y must not overlap x.
    /// </summary>
    public static void MultiplyLayerNorm(float* x, nint ldx, int rows, PackedWeight weight, float* residual, nint ldr,
        float* gamma, float* beta, float eps, float* y, nint ldy, WorkerPool? pool = null)
    {
        if (rows == 0) return;
        var job = t_job ??= new GemmJob();
        job.Start(x, ldx, rows, Activation.Identity);
        job.Add(weight, y, ldy);
        job.SetLayerNorm(residual, ldr, gamma, beta, eps);
        Run(job, pool);
    }

    /// <summary>
    /// Whether <see cref="MultiplyLayerNorm"/> is worth it for <paramref name="rows"/> rows on <paramref name="threads"/>
    /// threads: its tiles hold whole rows, so few rows are split by rows and every thread streams the whole weight; from
    /// 4 microkernel blocks per thread that costs less than the LayerNorm pass and hand-off it saves. Below that (a
    /// short text alone) the linear splits its columns and the LayerNorm runs after it; the bits are the same either way.
    /// </summary>
    public static bool LayerNormFusionPays(int rows, int threads, GemmIsa isa) =>
        threads == 1 || SplitsRows(rows, threads, GemmIsaDetection.MicroKernelRows(isa));

    /// <summary>
    /// Whether a GEMM of <paramref name="rows"/> rows (up to <see cref="SmallRows"/>) gives each thread whole rows rather than
    /// a share of the columns: from 4 microkernel blocks per thread, streaming the whole weight costs a thread less than
    /// reading every row of x, half of which the other thread wrote (1 × 128: 2% faster in one process, alternating).
    /// </summary>
    internal static bool SplitsRows(int rows, int threads, int mr) => threads > 1 && rows >= threads * 4 * mr;

    /// <summary>The most weights <see cref="MultiplyMany"/> takes at once.</summary>
    public const int MaxWeights = 4;

    static void Run(GemmJob job, WorkerPool? pool)
    {
        job.Plan(pool?.Threads ?? 1);
        int tiles = job.TileCount;
        if (pool == null) for (int t = 0; t < tiles; t++) job.RunTile(t);
        else pool.Run(job, tiles);
        job.Clear();
    }

    /// <summary>The rows of a linear's [rows, k] input and [rows, n] output, or an InputException naming the mismatch
    /// (shared by the float and int8 GEMMs).</summary>
    internal static int CheckedRows(int inputLength, int k, int outputLength, int n)
    {
        if (inputLength % k != 0)
            throw new InputException($"linear input has {inputLength} values, not a multiple of in_features {k}");
        int rows = inputLength / k;
        if (outputLength != (long)rows * n)
            throw new InputException($"linear output has {outputLength} values, expected [{rows}, {n}]");
        return rows;
    }

    /// <summary>Span overload: x is [rows, In] and y is [rows, Out], both dense.</summary>
    /// <exception cref="InputException">the spans do not match the weight's shape.</exception>
    public static void Multiply(ReadOnlySpan<float> x, PackedWeight weight, Span<float> y,
        Activation activation = Activation.Identity, WorkerPool? pool = null)
    {
        int k = weight.InFeatures, n = weight.OutFeatures;
        int rows = CheckedRows(x.Length, k, y.Length, n);
        fixed (float* px = x)
        fixed (float* py = y)
            Multiply(px, k, rows, weight, py, n, activation, pool);
    }

    /// <summary>Array overload of <see cref="Multiply(ReadOnlySpan{float}, PackedWeight, Span{float}, Activation, WorkerPool?)"/>.</summary>
    public static float[] Multiply(float[] x, PackedWeight weight, Activation activation = Activation.Identity, WorkerPool? pool = null)
    {
        var y = new float[x.Length / weight.InFeatures * weight.OutFeatures];
        Multiply(x, weight, y, activation, pool);
        return y;
    }

    internal sealed class GemmJob : TileJob
    {
        // One output of the job: its packed weight and where it goes.
        struct Output
        {
            public float* Y, Panels, Bias;
            public nint Ldy;
            public int N, PanelCount;
            public PackedWeight Weight; // keeps the pinned arrays reachable while tiles run
        }

        readonly Output[] _outputs = new Output[MaxWeights];
        readonly TilePlanner _plan = new();
        int _outputCount;
        float* _x;
        nint _ldx;
        int _k, _nr;
        GemmIsa _isa;
        Activation _activation;
        // The fused LayerNorm epilogue (MultiplyLayerNorm): null residual when there is none.
        float* _residual, _gamma, _beta;
        nint _ldr;
        float _eps;

        public int TileCount => _plan.TileCount;

        /// <summary>The planned row tiles (rows per tile, tiles): two jobs with the same ones split rows alike.</summary>
        public (int TileRows, int RowTiles) RowTiling => (_plan.TileRows, _plan.RowTiles);

        public void Start(float* x, nint ldx, int rows, Activation activation)
        {
            _x = x; _ldx = ldx; _activation = activation;
            _residual = null;
            _outputCount = 0;
            _plan.Start(rows);
        }

        public void Add(PackedWeight w, float* y, nint ldy)
        {
            ref var o = ref _outputs[_outputCount++];
            o.Y = y; o.Ldy = ldy; o.Weight = w; o.Panels = w.Panels; o.Bias = w.BiasPointer;
            o.N = w.OutFeatures; o.PanelCount = w.PanelCount;
            _k = w.InFeatures; _nr = w.PanelWidth; _isa = w.Isa;
            _plan.Add(w.PanelCount);
        }

        public void SetLayerNorm(float* residual, nint ldr, float* gamma, float* beta, float eps)
        {
            _residual = residual; _ldr = ldr; _gamma = gamma; _beta = beta; _eps = eps;
        }

        public void Plan(int threads)
        {
            int mr = GemmIsaDetection.MicroKernelRows(_isa);
            bool wholeRows = _residual != null || (_plan.Rows <= SmallRows && SplitsRows(_plan.Rows, threads, mr));
            _plan.Plan(threads, mr, TileRows, TilePanels, wholeRows);
        }

        public void Clear()
        {
            for (int i = 0; i < _outputCount; i++) _outputs[i].Weight = null!;
            _outputCount = 0;
        }

        public override void RunTile(int tile)
        {
            var (r0, r1, which, p0, p1) = _plan.Locate(tile);
            Block(r0, r1, in _outputs[which], p0, p1);
        }

        /// <summary>
        /// Rows [r0, r1) × panels [p0, p1) of output <paramref name="which"/> on the calling thread, written to
        /// <paramref name="y"/> (the block's first element, row stride <paramref name="ldy"/>) instead of the output:
        /// the fused self-attention's tiles, which keep their projections in a buffer of their own. Every element gets
        /// the bits of the tile of a whole run that covers it (the k-blocks and the epilogue do not depend on the tiling).
        /// </summary>
        public void RunBlock(int r0, int r1, int which, int p0, int p1, float* y, nint ldy)
        {
            var o = _outputs[which];
            // The output as the block sees it: y + r · ldy + column, for the block's rows and columns only.
            o.Y = y - r0 * ldy - p0 * _nr;
            o.Ldy = ldy;
            Block(r0, r1, in o, p0, p1);
        }

        // The ISA's microkernel, chosen once per block.
        void Block(int r0, int r1, in Output o, int p0, int p1)
        {
            switch (_isa)
            {
                case GemmIsa.Avx2: Block<Avx2Kernel>(r0, r1, in o, p0, p1); break;
                case GemmIsa.Avx512: Block<Avx512Kernel>(r0, r1, in o, p0, p1); break;
                default: Block<PortableKernel>(r0, r1, in o, p0, p1); break;
            }
        }

        /// <summary>Panels per output <paramref name="which"/> and their width.</summary>
        public (int Panels, int Width) PanelsOf(int which) => (_outputs[which].PanelCount, _nr);

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
        void Block<TKernel>(int r0, int r1, in Output o, int p0, int p1) where TKernel : IMicroKernel
        {
            int mr = TKernel.MR, nr = _nr, k = _k;
            float* panels = o.Panels, bias = o.Bias, y = o.Y;
            nint ldy = o.Ldy;
            int n = o.N;
            int depth = nr >= 32 ? WideBlockDepth : BlockDepth;
            int blocks = (k + depth - 1) / depth;
            // Equal k-blocks: a short last block would waste the C reload.
            int kcMax = (k + blocks - 1) / blocks;
            // The tile's x block is copied to a dense buffer with a row stride of kc + 16 floats: x's own stride
            // is often a multiple of 4 KiB (K = 1024, 3072), which would put the microkernel's MR rows in the same
            // L1 sets; the copy is reused across all the tile's panels.
            // Other strides are read in place: the copy costs as much as a tenth of a small GEMM.
            bool copy = _ldx * sizeof(float) % 4096 == 0;
            nint lda = copy ? kcMax + 16 : _ldx;
            float* block = copy ? (t_block ??= new ScratchBuffer()).Get((long)(r1 - r0) * lda) : null;
            for (int k0 = 0; k0 < k; k0 += kcMax)
            {
                int kc = Math.Min(kcMax, k - k0);
                bool accumulate = k0 > 0;
                float* a = copy ? block : _x + r0 * _ldx + k0;
                if (copy)
                    for (int r = r0; r < r1; r++)
                        Buffer.MemoryCopy(_x + r * _ldx + k0, block + (long)(r - r0) * lda, kc * sizeof(float), kc * sizeof(float));
                for (int p = p0; p < p1; p++)
                {
                    float* b = panels + (nint)p * nr * k + (nint)k0 * nr;
                    int col = p * nr, cols = Math.Min(nr, n - col);
                    for (int r = r0; r < r1; r += mr)
                    {
                        int rows = Math.Min(mr, r1 - r);
                        float* c = y + r * ldy + col;
                        TKernel.Run(a + (r - r0) * lda, lda, rows, b, kc, c, ldy, cols, accumulate);
                    }
                }
            }
            // The epilogue runs once over the finished tile (still in cache) rather than after each microkernel call: long
            // rows keep many independent vectors in flight, where 16-float rows left GELU's dependency chain exposed.
            if (_residual != null)
            {
                // Whole rows (p0 = 0, p1 = all panels): bias, then LayerNorm(row + residual), row by row while it is in L1.
                for (int r = r0; r < r1; r++)
                {
                    float* row = y + r * ldy;
                    if (bias != null) ActivationKernels.BiasActivate(row, bias, n, Activation.Identity);
                    LayerNormKernel.Row(row, _residual + r * _ldr, row, _gamma, _beta, _eps, n);
                }
            }
            else if (bias != null || _activation != Activation.Identity)
            {
                int c0 = p0 * nr, width = Math.Min(n, p1 * nr) - c0;
                for (int r = r0; r < r1; r++)
                    ActivationKernels.BiasActivate(y + r * ldy + c0, bias == null ? null : bias + c0, width, _activation);
            }
        }
    }
}
