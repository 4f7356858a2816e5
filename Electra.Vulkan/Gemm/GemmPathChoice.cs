using System.Collections.Immutable;

namespace Electra.Vulkan.Gemm;

/// <summary>
/// The cooperative-matrix GEMM's tiling (shaders/coopmat/matmul_coopmat_body.glsl): WarpsM × WarpsN subgroups of
/// <paramref name="Subgroup"/> invocations, each FragM × FragN accumulators of the device's TM × TN × TK shape.
/// <paramref name="RequiredSubgroupSize"/> (0: none) is asked of the pipeline with full subgroups, so that the shader's
/// subgroup layout holds on devices whose subgroup size varies.
/// </summary>
internal sealed record CoopmatTiles(uint Subgroup, uint RequiredSubgroupSize, uint WarpsM, uint WarpsN, uint FragM, uint FragN,
    uint TM, uint TN, uint TK)
{
    public uint Threads => WarpsM * WarpsN * Subgroup;
    public uint BlockM => WarpsM * FragM * TM;
    public uint BlockN => WarpsN * FragN * TN;

    /// <summary>Shared memory: the half x and W slices (BK = 32, rows padded to 40) and one float tile per subgroup.</summary>
    public long SharedBytes => (BlockM + BlockN) * 40L * 2 + WarpsM * WarpsN * TM * TN * 4L;

    /// <summary>Specialization constants 0–8 in the shader's order.</summary>
    public ImmutableArray<uint> Constants => [Threads, Subgroup, WarpsM, WarpsN, FragM, FragN, TM, TN, TK];
}

/// <summary>The GEMM path of a device and, for the cooperative-matrix ones, its tiles; <paramref name="Why"/> says why no better path was taken.</summary>
internal sealed record GemmChoice(GemmPath Path, CoopmatTiles? Tiles, string Why)
{
    /// <summary>
    /// The cooperative-matrix tiles for at most <see cref="SmallRows"/> rows (null: <see cref="Tiles"/> serve every M): one
    /// row of four subgroups, each one TM × TN accumulator (or two where the shape is 8 wide), so a 16 × 64 block. At batch
    /// 1 × 128 an ELECTRA-base linear of 768 outputs then makes 8 × 12 = 96 workgroups instead of the 64 × 64 tiles' 24,
    /// closer to filling a GPU of ~100 compute units. The same shader module with other specialization constants, so the
    /// build's spirv-val and the NV → KHR rewrite tests cover it; no device here runs it (lavapipe has no cooperative matrix).
    /// </summary>
    public CoopmatTiles? SmallTiles { get; init; }

    /// <summary>Rows up to which <see cref="SmallTiles"/> serve (the small-M bound of the other GEMMs).</summary>
    public const long SmallRows = 256;

    /// <summary>The tiles for an M-row product: <see cref="SmallTiles"/> up to <see cref="SmallRows"/> rows where there are any.</summary>
    public CoopmatTiles? TilesFor(long m) => m <= SmallRows && SmallTiles is { } small ? small : Tiles;
}

/// <summary>
/// Picks the GEMM path per device: KHR cooperative matrix &gt; NV cooperative matrix &gt; float16 weights &gt; float32,
/// and only under float16 precision (cooperative matrices multiply halves: a precision the user must ask for).
/// A pure function of <see cref="GemmCapabilities"/>, so tests force every feature on and off.
/// </summary>
internal static class GemmPathChoice
{
    private const uint Version13 = (1u << 22) | (3u << 12);

    /// <param name="caps">The device.</param>
    /// <param name="float16">--precision f16 (VulkanOptions.UseFloat16Weights).</param>
    /// <param name="highest">The best path allowed (VulkanOptions.MaxGemmPath): e.g. CooperativeMatrixNV to run the NV
    /// variant on a device that also offers KHR; null allows all.</param>
    public static GemmChoice Choose(GemmCapabilities caps, bool float16, GemmPath? highest = null)
    {
        if (!float16 || highest == GemmPath.Float32)
            return new GemmChoice(GemmPath.Float32, null, "float32 precision");
        if (!caps.Storage16Bit)
            return new GemmChoice(GemmPath.Float32, null, "no 16-bit storage buffers on this device");
        var reasons = new List<string>();
        foreach (var (path, extension) in new[] { (GemmPath.CooperativeMatrixKhr, CooperativeMatrixExtension.Khr), (GemmPath.CooperativeMatrixNV, CooperativeMatrixExtension.NV) })
        {
            if (highest is { } h && path > h) continue;
            var (tiles, why) = Coopmat(caps, extension);
            if (tiles != null) return new GemmChoice(path, tiles, why) { SmallTiles = SmallCoopmat(caps, tiles) };
            reasons.Add(why);
        }
        return new GemmChoice(GemmPath.Float16, null, reasons.Count == 0 ? "cooperative matrix not allowed by the options" : string.Join("; ", reasons));
    }

    private static (CoopmatTiles? Tiles, string Why) Coopmat(GemmCapabilities caps, CooperativeMatrixExtension extension)
    {
        string name = extension == CooperativeMatrixExtension.Khr ? "VK_KHR_cooperative_matrix" : "VK_NV_cooperative_matrix";
        bool offered = extension == CooperativeMatrixExtension.Khr ? caps.KhrCooperativeMatrix : caps.NvCooperativeMatrix;
        if (!offered) return (null, $"{name}: not offered");
        if (caps.Type == VulkanDeviceType.Cpu) return (null, $"{name}: a CPU device (no matrix cores)");
        if (caps.ApiVersion < Version13) return (null, $"{name}: the shader is SPIR-V 1.6, which needs Vulkan 1.3");
        if (!caps.ShaderFloat16 || !caps.VulkanMemoryModel) return (null, $"{name}: needs shaderFloat16 and vulkanMemoryModel");
        if (Vendor(caps) is { } refused) return (null, $"{name}: {refused}");

        // The shader lays its subgroups out by gl_SubgroupID: it needs the subgroup size it was specialized for. NVIDIA's
        // is always 32; elsewhere the pipeline asks for the default size with full subgroups.
        uint required = 0;
        if (caps.SubgroupSizeControl && caps.SubgroupSize >= caps.MinSubgroupSize && caps.SubgroupSize <= caps.MaxSubgroupSize)
            required = (uint)caps.SubgroupSize;
        else if (caps.VendorId != PciVendor.Nvidia)
            return (null, $"{name}: needs subgroup size control (computeFullSubgroups) on this vendor");

        var usable = caps.Shapes.Where(s => s.Extension == extension && s.IsHalfToFloat && s.M is 8 or 16 or 32 && s.N is 8 or 16 or 32 && s.K is 8 or 16 or 32).ToList();
        if (usable.Count == 0) return (null, $"{name}: no subgroup shape with float16 A and B and float32 C (M, N, K of 8, 16 or 32)");
        var shape = usable.FirstOrDefault(s => s is { M: 16, N: 16, K: 16 }) ?? usable[0];

        // A 2 × 2 grid of subgroups, each a 32 × 32 tile of y: 64 × 64 per workgroup.
        var tiles = new CoopmatTiles((uint)caps.SubgroupSize, required, 2, 2, 32 / (uint)shape.M, 32 / (uint)shape.N, (uint)shape.M, (uint)shape.N, (uint)shape.K);
        if (tiles.Threads > caps.MaxWorkGroupInvocations) return (null, $"{name}: {tiles.Threads} invocations per workgroup exceed the device's {caps.MaxWorkGroupInvocations}");
        if (tiles.SharedBytes > caps.MaxSharedMemoryBytes) return (null, $"{name}: needs {tiles.SharedBytes} bytes of shared memory, the device has {caps.MaxSharedMemoryBytes}");
        return (tiles, $"{name}: {shape}");
    }

    /// <summary>
    /// The small-M tiles beside <paramref name="large"/> (same shape, subgroup size and requirement): 1 × 4 subgroups of
    /// 16 × 16 outputs (FragM = 16 / TM, FragN = 16 / TN, at least 1); null where they would not fit the device.
    /// </summary>
    private static CoopmatTiles? SmallCoopmat(GemmCapabilities caps, CoopmatTiles large)
    {
        var small = large with { WarpsM = 1, WarpsN = 4, FragM = Math.Max(1, 16 / large.TM), FragN = Math.Max(1, 16 / large.TN) };
        return small.Threads <= caps.MaxWorkGroupInvocations && small.SharedBytes <= caps.MaxSharedMemoryBytes ? small : null;
    }

    /// <summary>
    /// ggml-vulkan's vendor gating (ggml_vk_khr_cooperative_matrix_support): AMD's own drivers report cooperative matrix on
    /// GPUs without matrix cores (ggml trusts them on RDNA3 only, which this record cannot tell apart, so only RADV is
    /// trusted); Intel before Xe2 runs it slower than plain arithmetic (Xe2 is told by its minimum subgroup size of 16).
    /// </summary>
    private static string? Vendor(GemmCapabilities caps) => caps.VendorId switch
    {
        PciVendor.Amd when caps.DriverId != DriverId.MesaRadv => "AMD's own drivers report it on GPUs without matrix cores (only RADV is trusted)",
        PciVendor.Intel when caps.MinSubgroupSize != 16 => "Intel GPUs before Xe2 run it slower than plain arithmetic",
        _ => null,
    };
}
