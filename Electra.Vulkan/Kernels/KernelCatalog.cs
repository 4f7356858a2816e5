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
internal enum MatmulVariant { Large, SmallM, SplitK }

/// <summary>A GEMM tiling: threads along N and M, and the accumulators each thread holds along N and M.</summary>
internal sealed record MatmulTiles(uint ThreadsN, uint ThreadsM, uint TileN, uint TileM)
{
    public uint BlockN => ThreadsN * TileN;
    public uint BlockM => ThreadsM * TileM;
    public long Blocks(long m, long n) => ((m + BlockM - 1) / BlockM) * ((n + BlockN - 1) / BlockN);
    public System.Collections.Immutable.ImmutableArray<uint> Constants => [ThreadsN, ThreadsM, TileN, TileM];
}

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

    public KernelSpec Matmul(bool float16Weights, MatmulTiles tiles) =>
        new(float16Weights ? "matmul_f16" : "matmul", 4, Size<PushConstants.Matmul>(), tiles.Constants);

    /// <summary>
    /// The float16-weight GEMM on cooperative matrices (4 bindings, as <see cref="Matmul"/>), null off the cooperative-matrix
    /// paths. The KHR path runs the NV module rewritten at pipeline creation (<see cref="ShaderBinaries.KhrSuffix"/>).
    /// </summary>
    public KernelSpec? MatmulCoopmat => Gemm.Tiles is { } t
        ? new(CoopmatShader("matmul_coopmat"), 4, Size<PushConstants.Matmul>(), t.Constants, RequiredSubgroupSize: t.RequiredSubgroupSize)
        : null;

    /// <summary>Query, key and value in one cooperative-matrix dispatch (10 bindings, as <see cref="MatmulMulti"/>).</summary>
    public KernelSpec? MatmulCoopmatMulti => Gemm.Tiles is { } t && _caps.MaxStorageBuffersPerStage >= 10
        ? new(CoopmatShader("matmul_coopmat_multi"), 10, Size<PushConstants.Matmul>(), t.Constants, Writes: 0b11_1000_0000,
            RequiredSubgroupSize: t.RequiredSubgroupSize)
        : null;

    private string CoopmatShader(string name) => Gemm.Path == GemmPath.CooperativeMatrixKhr ? name + ShaderBinaries.KhrSuffix : name;

    /// <summary>Split-K: two more bindings, the partial sums [splits, M, N] and the per-tile arrival counters.</summary>
    public KernelSpec MatmulSplit(bool float16Weights) =>
        new(float16Weights ? "matmul_split_f16" : "matmul_split", 6, Size<PushConstants.Matmul>(), SmallTiles.Constants, Writes: 0b111000);

    /// <summary>Three same-shaped linears of one input in one dispatch (10 bindings), where the device binds that many.</summary>
    public KernelSpec? MatmulMulti(bool float16Weights, MatmulTiles tiles) => _caps.MaxStorageBuffersPerStage < 10 ? null :
        new(float16Weights ? "matmul_multi_f16" : "matmul_multi", 10, Size<PushConstants.Matmul>(), tiles.Constants,
            Writes: 0b11_1000_0000);

    /// <summary>
    /// A linear whose output goes straight into a LayerNorm with a residual, as one dispatch (8 bindings): 256 threads
    /// own whole rows of up to 1024 features (1–4 per thread). Null where the device or the width does not allow it.
    /// </summary>
    public KernelSpec? MatmulLayerNorm(bool float16Weights, long features)
    {
        const uint threads = 256;
        if (features < 1 || features > 4 * threads || _caps.MaxStorageBuffersPerStage < 8 || _caps.Info.MaxComputeWorkGroupInvocations < threads)
            return null;
        uint perThread = (uint)((features + threads - 1) / threads);
        return new(float16Weights ? "matmul_layernorm_f16" : "matmul_layernorm", 8, Size<PushConstants.MatmulLayerNorm>(),
            [threads, perThread, MatmulLayerNormRows], Writes: 0b1100_0000);
    }

    /// <summary>Rows per workgroup of <see cref="MatmulLayerNorm"/>.</summary>
    public const uint MatmulLayerNormRows = 8;

    /// <summary>
    /// The GEMM variant for an [M, K] × [N, K]ᵀ product: the large tiles above 256 rows; below, the small tiles, split
    /// over K when their output tiles alone are too few to keep a GPU busy (never on a CPU device, where splitting
    /// only adds work). Returns the split count and the K columns per split (a multiple of 32).
    /// </summary>
    public MatmulPlan PlanMatmul(long m, long n, long k)
    {
        var variant = ForcedMatmul ?? (m > 256 ? MatmulVariant.Large : MatmulVariant.SmallM);
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
    public KernelSpec Concat => new("concat_sequence", 3, Size<PushConstants.Concat>(), [ElementwiseGroup]);
    public KernelSpec SelectPositions => new("select_positions", 3, Size<PushConstants.SeqReduce>(), [ElementwiseGroup]);
    public KernelSpec PoolSegments => new("pool_segments", 4, Size<PushConstants.PoolSegments>(), [ElementwiseGroup]);
    public KernelSpec MeanOverSequence => new("mean_sequence", 2, Size<PushConstants.SeqReduce>(), [ElementwiseGroup]);

    /// <summary>
    /// The variants built when the backend is created: everything a forward over up to 512 keys uses (ELECTRA's
    /// position limit); longer attention builds its variant on first use.
    /// </summary>
    public IEnumerable<KernelSpec> Eager(bool float16Weights)
    {
        foreach (bool half in float16Weights ? new[] { false, true } : [false])
            foreach (var tiles in new[] { LargeTiles, SmallTiles })
            {
                yield return Matmul(half, tiles);
                if (MatmulMulti(half, tiles) is { } multi) yield return multi;
            }
        yield return MatmulSplit(false);
        if (float16Weights) yield return MatmulSplit(true);
        if (float16Weights && MatmulCoopmat is { } coopmat) yield return coopmat;
        if (float16Weights && MatmulCoopmatMulti is { } coopmatMulti) yield return coopmatMulti;
        foreach (int features in new[] { 256, 512, 768, 1024 })
        {
            if (MatmulLayerNorm(false, features) is { } fused) yield return fused;
            if (float16Weights && MatmulLayerNorm(true, features) is { } half) yield return half;
        }
        yield return Add;
        yield return Activate;
        yield return Gather;
        yield return LayerNorm;
        foreach (int width in new[] { 128, 256, 384, 512, 768, 1024 })
            yield return LayerNormFor(width);
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
    /// the tiles fit the device's shared memory.
    /// </summary>
    public KernelSpec FlashAttention(int headDim, bool packed)
    {
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
