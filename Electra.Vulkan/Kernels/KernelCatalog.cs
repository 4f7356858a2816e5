using System.Runtime.InteropServices;
using Electra.Core.Errors;
using Electra.Vulkan.Gemm;
using Electra.Vulkan.Interop;

namespace Electra.Vulkan.Kernels;

/// <summary>Push-constant blocks, laid out as the shaders declare them (std430 scalars).</summary>
internal static class PushConstants
{
    [StructLayout(LayoutKind.Sequential)]
    public record struct Matmul(uint M, uint N, uint K, uint Ldy, uint N0, uint HasBias, uint Act, uint KSplit);
    [StructLayout(LayoutKind.Sequential)]
    public record struct Count(uint N);
    [StructLayout(LayoutKind.Sequential)]
    public record struct CountAct(uint N, uint Act);
    [StructLayout(LayoutKind.Sequential)]
    public record struct Gather(uint Count, uint Width, uint RowStart, uint RowCount);
    [StructLayout(LayoutKind.Sequential)]
    public record struct LayerNorm(uint Rows, uint Width, uint HasResidual, float Eps);
    [StructLayout(LayoutKind.Sequential)]
    public record struct Embed(uint Rows, uint Width, float Eps);
    [StructLayout(LayoutKind.Sequential)]
    public record struct Attention(uint Sq, uint Sk, uint Heads, uint HeadDim, uint Causal, uint WriteProbs, float Scale);
    [StructLayout(LayoutKind.Sequential)]
    public record struct MatmulLayerNorm(uint M, uint N, uint K, uint HasBias, float Eps);
    [StructLayout(LayoutKind.Sequential)]
    public record struct FlashAttention(uint Sq, uint Sk, uint Heads, uint HeadDim, uint Causal, float Scale);
    [StructLayout(LayoutKind.Sequential)]
    public record struct Concat(uint Count, uint S1, uint S2, uint Width);
    [StructLayout(LayoutKind.Sequential)]
    public record struct SeqReduce(uint Count, uint Seq, uint Width);
    [StructLayout(LayoutKind.Sequential)]
    public record struct PoolSegments(uint Count, uint Width, uint Mode);
}

/// <summary>GEMM variants (<see cref="KernelCatalog.PlanMatmul"/> picks one per shape unless one is forced).</summary>
internal enum MatmulVariant { Large, SmallM, SplitK, CpuBlocks }

/// <summary>A GEMM tiling: threads along N and M, and the accumulators each thread holds along N and M.</summary>
internal sealed record MatmulTiles(uint ThreadsN, uint ThreadsM, uint TileN, uint TileM)
{
    /// <summary>The CPU-shaped kernels (matmul_cpu_body.glsl): TileN × TileM adjacent outputs per invocation, read from the buffers.</summary>
    public bool CpuBlocks { get; init; }

    public uint BlockN => ThreadsN * TileN;
    public uint BlockM => ThreadsM * TileM;
    public long Blocks(long m, long n) => ((m + BlockM - 1) / BlockM) * ((n + BlockN - 1) / BlockN);
    public System.Collections.Immutable.ImmutableArray<uint> Constants => [ThreadsN, ThreadsM, TileN, TileM];
}

/// <summary>A kernel that owns <paramref name="Rows"/> whole rows per workgroup.</summary>
internal sealed record FusedKernel(KernelSpec Spec, uint Rows);

/// <summary>How one linear runs: its tiles, and K split into <paramref name="Splits"/> ranges of <paramref name="KSplit"/> columns.</summary>
internal sealed record MatmulPlan(MatmulTiles Tiles, long Splits, long KSplit, bool SplitK);

/// <summary>
/// The pipeline variants for one device: workgroup and tile sizes are chosen from its limits and passed as
/// specialization constants, so one SPIR-V serves every device.
/// </summary>
internal sealed class KernelCatalog
{
    private readonly PhysicalDeviceCaps _caps;

    public uint ElementwiseGroup { get; }
    public uint RowGroup { get; }

    /// <summary>The register-tiled GEMM for many rows: 128 × 128 blocks, 8 × 8 accumulators per thread (or a smaller block
    /// on devices with less than 32 KiB of shared memory or 256 invocations).</summary>
    public MatmulTiles LargeTiles { get; }

    /// <summary>The GEMM for M ≤ 256 rows: 32-row blocks, so that batch-1 work makes more workgroups, and split-K.</summary>
    public MatmulTiles SmallTiles { get; }

    /// <summary>The GEMM for CPU devices: 8 × 4 invocations of 16 rows × 8 features each (see <see cref="CpuShapedKernels"/>).</summary>
    public MatmulTiles CpuTiles { get; } = new(ThreadsN: 8, ThreadsM: 4, TileN: CpuBlockFeatures, TileM: CpuBlockRows) { CpuBlocks = true };

    /// <summary>Forces one GEMM variant for every linear (tests run each on any device); null chooses per shape.</summary>
    public MatmulVariant? ForcedMatmul { get; set; }

    /// <summary>Per-pass arrival counters of the split-K GEMM: output tiles one split dispatch may have.</summary>
    public const int SplitCounters = 1024;

    /// <summary>The device's GEMM path (<see cref="GemmPathChoice"/>): the cooperative-matrix kernels exist only on those paths.</summary>
    public GemmChoice Gemm { get; }

    public KernelCatalog(PhysicalDeviceCaps caps, GemmChoice? gemm = null)
    {
        _caps = caps;
        Gemm = gemm ?? new GemmChoice(GemmPath.Float32, null, "float32 precision");
        uint maxInvocations = (uint)caps.Info.MaxComputeWorkGroupInvocations;   // the spec guarantees >= 128
        ElementwiseGroup = Math.Min(128u, Math.Min(maxInvocations, caps.MaxWorkGroupSizeX));
        RowGroup = Math.Min(128u, (uint)System.Numerics.BitOperations.RoundUpToPowerOf2(ElementwiseGroup + 1) / 2);
        int shared = caps.Info.MaxComputeSharedMemoryBytes;   // the spec guarantees >= 16 KiB
        var fallback = new MatmulTiles(ThreadsN: 8, ThreadsM: 8, TileN: 8, TileM: 4);   // 64 × 32, 12 KiB
        LargeTiles = shared >= 32768 && maxInvocations >= 256 ? new MatmulTiles(16, 16, 8, 8) : fallback;
        SmallTiles = shared >= 20480 ? new MatmulTiles(ThreadsN: 16, ThreadsM: 8, TileN: 8, TileM: 4) : fallback;
    }

    private static int Size<T>() where T : struct => Marshal.SizeOf<T>();

    /// <summary>
    /// The GPU-shaped float16 GEMMs over float16 inputs multiply in packed half arithmetic (the *_f16math kernels, see
    /// <see cref="HalfArithmeticChoice"/>). Set from the device's choice; tests set it to run either on any device.
    /// </summary>
    public bool HalfArithmetic { get; set; }

    /// <param name="float16Weights">The weight is float16.</param>
    /// <param name="tiles">The tiling.</param>
    /// <param name="halfInputs">x is float16 (the kernel will be taken in its _f16act variant): the packed-arithmetic
    /// variant then serves where <see cref="HalfArithmetic"/> is on.</param>
    public KernelSpec Matmul(bool float16Weights, MatmulTiles tiles, bool halfInputs = false) =>
        new(Name("matmul", tiles, float16Weights, halfInputs), 4, Size<PushConstants.Matmul>(), tiles.Constants);

    private string Name(string kernel, MatmulTiles tiles, bool float16Weights, bool halfInputs) =>
        kernel + (tiles.CpuBlocks ? "_cpu" : "") + (float16Weights ? "_f16" : "") +
        (HalfMath(float16Weights, halfInputs) && !tiles.CpuBlocks ? HalfArithmeticSuffix : "");

    private bool HalfMath(bool float16Weights, bool halfInputs) => HalfArithmetic && float16Weights && halfInputs;

    /// <summary>The name suffix of the packed-half-arithmetic GEMMs (built only with float16 activations: "_f16math_f16act").</summary>
    public const string HalfArithmeticSuffix = "_f16math";

    /// <summary>
    /// The float16-weight GEMM on cooperative matrices (4 bindings, as <see cref="Matmul"/>), null off the cooperative-matrix
    /// paths. The KHR path runs the NV module rewritten at pipeline creation (<see cref="ShaderBinaries.KhrSuffix"/>).
    /// </summary>
    public KernelSpec? MatmulCoopmat => CoopmatSpec(Gemm.Tiles);

    /// <summary>Query, key and value in one cooperative-matrix dispatch (10 bindings, as <see cref="MatmulMulti"/>).</summary>
    public KernelSpec? MatmulCoopmatMulti => CoopmatMultiSpec(Gemm.Tiles);

    /// <summary><see cref="MatmulCoopmat"/> for an M-row product: the small-M tiles up to 256 rows (<see cref="GemmChoice.TilesFor"/>).</summary>
    public KernelSpec? MatmulCoopmatFor(long m) => CoopmatSpec(Gemm.TilesFor(m));

    /// <summary><see cref="MatmulCoopmatMulti"/> for an M-row product.</summary>
    public KernelSpec? MatmulCoopmatMultiFor(long m) => CoopmatMultiSpec(Gemm.TilesFor(m));

    private KernelSpec? CoopmatSpec(CoopmatTiles? t) => t is null ? null
        : new(CoopmatShader("matmul_coopmat"), 4, Size<PushConstants.Matmul>(), t.Constants, RequiredSubgroupSize: t.RequiredSubgroupSize);

    private KernelSpec? CoopmatMultiSpec(CoopmatTiles? t) => t is null || _caps.MaxStorageBuffersPerStage < 10 ? null
        : new(CoopmatShader("matmul_coopmat_multi"), 10, Size<PushConstants.Matmul>(), t.Constants, Writes: 0b11_1000_0000,
            RequiredSubgroupSize: t.RequiredSubgroupSize);

    private string CoopmatShader(string name) => Gemm.Path == GemmPath.CooperativeMatrixKhr ? name + ShaderBinaries.KhrSuffix : name;

    /// <summary>Split-K: two more bindings, the partial sums [splits, M, N] and the per-tile arrival counters.</summary>
    public KernelSpec MatmulSplit(bool float16Weights, bool halfInputs = false) =>
        new((float16Weights ? "matmul_split_f16" : "matmul_split") + (HalfMath(float16Weights, halfInputs) ? HalfArithmeticSuffix : ""), 6, Size<PushConstants.Matmul>(), SmallTiles.Constants, Writes: 0b111000);

    /// <summary>Three same-shaped linears of one input in one dispatch (10 bindings), where the device binds that many.</summary>
    public KernelSpec? MatmulMulti(bool float16Weights, MatmulTiles tiles, bool halfInputs = false) => _caps.MaxStorageBuffersPerStage < 10 ? null :
        new(Name("matmul_multi", tiles, float16Weights, halfInputs), 10, Size<PushConstants.Matmul>(), tiles.Constants,
            Writes: 0b11_1000_0000);

    /// <summary>
    /// A linear whose output goes straight into a LayerNorm with a residual, as one dispatch (8 bindings), for rows of up
    /// to 1024 features; null where the device or the width does not allow it. GPUs: 256 threads own 8 whole rows (1–4
    /// features per thread, a weight vec4 from global memory per 8 rows). CPU devices with subgroup arithmetic: ceil(N/8)
    /// invocations own 16 rows, each a 16 × 8 block of outputs in registers (see <see cref="CpuShapedKernels"/>).
    /// </summary>
    /// <param name="float16Weights">The weight is float16.</param>
    /// <param name="features">Output features (the LayerNorm's width).</param>
    /// <param name="halfInputs">x is float16: the GPU-shaped kernel's packed-arithmetic variant serves where <see cref="HalfArithmetic"/> is on.</param>
    public FusedKernel? MatmulLayerNorm(bool float16Weights, long features, bool halfInputs = false)
    {
        if (features < 1 || features > 1024 || _caps.MaxStorageBuffersPerStage < 8)
            return null;
        if (CpuShapedKernels)
        {
            // Whole groups of 8 lanes (lavapipe's SIMD width): the row sums then never meet a partly filled subgroup.
            uint invocations = (uint)((features + 8 * CpuBlockFeatures - 1) / (8 * CpuBlockFeatures) * 8);
            return new FusedKernel(new(float16Weights ? "matmul_layernorm_cpu_f16" : "matmul_layernorm_cpu", 8,
                Size<PushConstants.MatmulLayerNorm>(), [invocations], Writes: 0b1100_0000), CpuBlockRows);
        }
        const uint threads = 256;
        if (_caps.Info.MaxComputeWorkGroupInvocations < threads)
            return null;
        uint perThread = (uint)((features + threads - 1) / threads);
        return new FusedKernel(new((float16Weights ? "matmul_layernorm_f16" : "matmul_layernorm") + (HalfMath(float16Weights, halfInputs) ? HalfArithmeticSuffix : ""),
            8, Size<PushConstants.MatmulLayerNorm>(),
            [threads, perThread, MatmulLayerNormRows], Writes: 0b1100_0000), MatmulLayerNormRows);
    }

    /// <summary>Rows per workgroup of the GPU-shaped <see cref="MatmulLayerNorm"/>.</summary>
    public const uint MatmulLayerNormRows = 8;

    /// <summary>The output block each invocation of a CPU-shaped kernel holds (RB × CB in matmul_cpu_block.glsl).</summary>
    public const uint CpuBlockRows = 16, CpuBlockFeatures = 8;

    /// <summary>
    /// Whether the kernels shaped for CPU devices serve (lavapipe, SwiftShader: a workgroup is a loop over SIMD lanes on
    /// one thread, where each buffer or shared-memory load goes lane by lane and barriers switch coroutines, so large
    /// register blocks read straight from the buffers win); by default on devices of type CPU with subgroup arithmetic.
    /// Tests set it to run either shape on any device.
    /// </summary>
    public bool CpuShapedKernels
    {
        get => _cpuShaped ?? (_caps.Info.Type == VulkanDeviceType.Cpu && _caps.SupportsSubgroupArithmetic);
        set => _cpuShaped = value;
    }

    private bool? _cpuShaped;

    /// <summary>Restores the device's own choice of <see cref="CpuShapedKernels"/>.</summary>
    public void ResetCpuShapedKernels() => _cpuShaped = null;

    /// <summary>
    /// The GEMM variant for an [M, K] × [N, K]ᵀ product: on CPU devices the CPU-shaped blocks; else the large tiles above
    /// 256 rows, and below, the small tiles, split over K when their output tiles alone are too few to keep a GPU busy
    /// (never on a CPU device, where splitting only adds work). Returns the split count and the K columns per split (a
    /// multiple of 32).
    /// </summary>
    public MatmulPlan PlanMatmul(long m, long n, long k)
    {
        var variant = ForcedMatmul ?? (CpuShapedKernels ? MatmulVariant.CpuBlocks : m > 256 ? MatmulVariant.Large : MatmulVariant.SmallM);
        if (variant == MatmulVariant.CpuBlocks)
            return new MatmulPlan(CpuTiles, 1, Math.Max(k, 1), false);
        var tiles = variant == MatmulVariant.Large ? LargeTiles : SmallTiles;
        long outputTiles = tiles.Blocks(m, n);
        long splits = 1;
        if (variant == MatmulVariant.SplitK)
            splits = Math.Clamp((k + 31) / 32, 1, 4);
        else if (variant == MatmulVariant.SmallM && ForcedMatmul == null && _caps.Info.Type != VulkanDeviceType.Cpu && outputTiles < 64)
            splits = Math.Clamp(Math.Min((128 + outputTiles - 1) / outputTiles, k / 128), 1, 8);
        if (splits > 1 && outputTiles > SplitCounters) splits = 1;
        long kSplit = Math.Max(32, ((k + splits - 1) / splits + 31) / 32 * 32);
        splits = Math.Max(1, (k + kSplit - 1) / kSplit);
        bool split = variant == MatmulVariant.SplitK ? outputTiles <= SplitCounters : splits > 1;
        return new MatmulPlan(tiles, split ? splits : 1, split ? kSplit : Math.Max(k, 1), split);
    }

    /// <summary>
    /// The variant of <paramref name="spec"/> for float16 activations (<paramref name="half"/>): the same shader built with
    /// -DACT_F16 (shaders/act.glsl), named with "_f16act" before any <see cref="ShaderBinaries.KhrSuffix"/>.
    /// </summary>
    public static KernelSpec ForActivations(KernelSpec spec, bool half)
    {
        if (!half) return spec;
        string name = spec.Shader;
        bool khr = name.EndsWith(ShaderBinaries.KhrSuffix, StringComparison.Ordinal);
        if (khr) name = name[..^ShaderBinaries.KhrSuffix.Length];
        return spec with { Shader = name + Float16ActivationSuffix + (khr ? ShaderBinaries.KhrSuffix : "") };
    }

    /// <summary>The name suffix of the shaders built for float16 activations.</summary>
    public const string Float16ActivationSuffix = "_f16act";

    /// <summary>float32 → float16 (the _f16act variant) or float16 → float32: an activation changing type (convert.comp).</summary>
    public KernelSpec Convert => new("convert", 2, Size<PushConstants.Count>(), [ElementwiseGroup]);

    public KernelSpec Add => new("add", 3, Size<PushConstants.Count>(), [ElementwiseGroup]);
    public KernelSpec Activate => new("activate", 2, Size<PushConstants.CountAct>(), [ElementwiseGroup]);
    public KernelSpec Gather => new("gather", 3, Size<PushConstants.Gather>(), [ElementwiseGroup]);
    public KernelSpec LayerNorm => new("layernorm", 5, Size<PushConstants.LayerNorm>(), [RowGroup]);

    /// <summary>The one-pass LayerNorm for rows of up to RowGroup·8 values where the device has subgroup arithmetic, else
    /// <see cref="LayerNorm"/>.</summary>
    public KernelSpec LayerNormFor(long width) =>
        _caps.SupportsSubgroupArithmetic && width <= RowGroup * 8L
            ? new("layernorm_subgroup", 5, Size<PushConstants.LayerNorm>(), [RowGroup, (uint)Math.Max(1, (width + RowGroup - 1) / RowGroup)])
            : LayerNorm;
    /// <summary>
    /// The embeddings (three gathers, add, LayerNorm) as one dispatch of 9 bindings, for rows of up to RowGroup·8 values
    /// where the device has subgroup arithmetic; null otherwise (the pass then composes the separate kernels).
    /// </summary>
    public KernelSpec? Embed(long width) =>
        _caps.SupportsSubgroupArithmetic && _caps.MaxStorageBuffersPerStage >= 9 && width >= 1 && width <= RowGroup * 8L
            ? new("embed", 9, Size<PushConstants.Embed>(), [RowGroup, (uint)((width + RowGroup - 1) / RowGroup)])
            : null;

    public KernelSpec Concat => new("concat_sequence", 3, Size<PushConstants.Concat>(), [ElementwiseGroup]);
    public KernelSpec SelectPositions => new("select_positions", 3, Size<PushConstants.SeqReduce>(), [ElementwiseGroup]);
    public KernelSpec PoolSegments => new("pool_segments", 4, Size<PushConstants.PoolSegments>(), [ElementwiseGroup]);
    public KernelSpec MeanOverSequence => new("mean_sequence", 2, Size<PushConstants.SeqReduce>(), [ElementwiseGroup]);

    /// <summary>
    /// The variants built when the backend is created: everything a forward over up to 512 keys uses (ELECTRA's
    /// position limit); longer attention builds its variant on first use.
    /// </summary>
    /// <param name="float16Weights">Linear weights are float16.</param>
    /// <param name="float16Activations">Activations are float16: the _f16act variants (of the float16-weight GEMMs only, as
    /// no float32 weight exists then), and the conversions both ways.</param>
    public IEnumerable<KernelSpec> Eager(bool float16Weights, bool float16Activations = false) =>
        float16Activations
            ? EagerSpecs(float16Weights, weightsBoth: false, halfInputs: true).Select(s => ForActivations(s, true)).Append(ForActivations(Convert, true)).Append(Convert)
            : EagerSpecs(float16Weights, weightsBoth: true, halfInputs: false);

    private IEnumerable<KernelSpec> EagerSpecs(bool float16Weights, bool weightsBoth, bool halfInputs)
    {
        foreach (bool half in float16Weights ? weightsBoth ? new[] { false, true } : [true] : [false])
            foreach (var tiles in CpuShapedKernels ? new[] { CpuTiles } : [LargeTiles, SmallTiles])
            {
                yield return Matmul(half, tiles, halfInputs);
                if (MatmulMulti(half, tiles, halfInputs) is { } multi) yield return multi;
            }
        if (!CpuShapedKernels)
        {
            if (!float16Weights || weightsBoth) yield return MatmulSplit(false);
            if (float16Weights) yield return MatmulSplit(true, halfInputs);
        }
        if (float16Weights && MatmulCoopmat is { } coopmat) yield return coopmat;
        if (float16Weights && MatmulCoopmatMulti is { } coopmatMulti) yield return coopmatMulti;
        if (float16Weights && Gemm.SmallTiles is not null && MatmulCoopmatFor(1) is { } small) yield return small;
        if (float16Weights && Gemm.SmallTiles is not null && MatmulCoopmatMultiFor(1) is { } smallMulti) yield return smallMulti;
        foreach (int features in new[] { 256, 512, 768, 1024 })
        {
            if ((!float16Weights || weightsBoth) && MatmulLayerNorm(false, features) is { } fused) yield return fused.Spec;
            if (float16Weights && MatmulLayerNorm(true, features, halfInputs) is { } half) yield return half.Spec;
        }
        yield return Add;
        yield return Activate;
        yield return Gather;
        yield return LayerNorm;
        foreach (int width in new[] { 128, 256, 384, 512, 768, 1024 })
        {
            yield return LayerNormFor(width);
            if (Embed(width) is { } embed) yield return embed;
        }
        yield return Concat;
        yield return SelectPositions;
        yield return MeanOverSequence;
        yield return PoolSegments;
        foreach (int headDim in new[] { 32, 64 })
        {
            yield return FlashAttention(headDim, packed: false);
            yield return FlashAttention(headDim, packed: true);
        }
        foreach (int keys in new[] { 128, 256, 512 })
            yield return Attention(keys);
    }

    /// <summary>
    /// The materialising attention (output_attentions only) keeps one row of Sk scores in shared memory; the variant is
    /// sized to the key count.
    /// </summary>
    public KernelSpec Attention(int keyCount)
    {
        uint group = Math.Min(64u, RowGroup);
        long capacity = (_caps.Info.MaxComputeSharedMemoryBytes - group * 4L) / 4;
        long wanted = Math.Max(128, (long)System.Numerics.BitOperations.RoundUpToPowerOf2((ulong)keyCount));
        long slots = Math.Min(wanted, capacity);
        if (keyCount > slots)
            throw new BackendException(
                $"attention probabilities over {keyCount} keys need {keyCount * 4L} bytes of shared memory per workgroup; " +
                $"device '{_caps.Info.Name}' has {_caps.Info.MaxComputeSharedMemoryBytes} (at most {capacity} keys)");
        return new KernelSpec("attention_probs", 6, Size<PushConstants.Attention>(), [group, (uint)slots], Writes: 0b110000);
    }

    /// <summary>
    /// Flash attention for heads of <paramref name="headDim"/> values (padded rows, or packed segments): the head size
    /// is rounded up to a power of two (at least 16) for the shared tiles, and the query block and key tile shrink until
    /// the tiles fit the device's shared memory. CPU devices: the CPU-shaped kernel, no shared memory.
    /// </summary>
    public KernelSpec FlashAttention(int headDim, bool packed)
    {
        if (CpuShapedKernels)
        {
            // flash_attention_cpu.comp: 8 invocations of 4 queries each, the head size rounded up to a multiple of 4.
            uint capacity = (uint)((Math.Max(1, headDim) + 3) / 4 * 4);
            return new KernelSpec("flash_attention_cpu", 6, Size<PushConstants.FlashAttention>(), [8, 8 * 4, 0, capacity, packed ? 1u : 0u]);
        }
        const uint group = 64;   // within the 128 invocations every device has
        uint maxD = (uint)Math.Max(16, (long)System.Numerics.BitOperations.RoundUpToPowerOf2((ulong)Math.Max(1, headDim)));
        foreach (uint keys in new uint[] { 32, 16, 8, 4 })
            foreach (uint queries in new uint[] { 16, 8, 4 })
            {
                if (queries * keys % group != 0 || queries * maxD % group != 0) continue;
                long floats = queries * maxD + keys * (maxD + 1) + keys * maxD + queries * keys + 6L * queries;
                if (floats * 4 <= _caps.Info.MaxComputeSharedMemoryBytes)
                    return new KernelSpec("flash_attention", 6, Size<PushConstants.FlashAttention>(),
                        [group, queries, keys, maxD, packed ? 1u : 0u]);
            }
        throw new BackendException(
            $"attention heads of {headDim} values do not fit the {_caps.Info.MaxComputeSharedMemoryBytes} bytes of shared memory of device '{_caps.Info.Name}'");
    }

    /// <summary>Queries per flash-attention workgroup of a variant.</summary>
    public static uint FlashQueryBlock(KernelSpec flash) => flash.Constants[1];

    /// <summary>A 2-D grid of workgroups covering <paramref name="groups"/> groups within the device's per-dimension cap.</summary>
    public (uint X, uint Y) Grid(long groups)
    {
        if (groups <= 0) return (0, 0);
        long x = Math.Min(groups, _caps.MaxWorkGroupCountX);
        long y = (groups + x - 1) / x;
        if (y > _caps.MaxWorkGroupCountY)
            throw new BackendException($"a dispatch of {groups} workgroups exceeds the device's grid limits");
        return ((uint)x, (uint)y);
    }

    public void CheckGroupCount(long count, int dimension, string what)
    {
        uint max = dimension switch { 0 => _caps.MaxWorkGroupCountX, 1 => _caps.MaxWorkGroupCountY, _ => _caps.MaxWorkGroupCountZ };
        if (count > max)
            throw new BackendException($"{what}: {count} workgroups exceed the device limit {max} in dimension {dimension}");
    }
}
