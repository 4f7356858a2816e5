using Electra.Vulkan;
using Electra.Vulkan.Gemm;
using Electra.Vulkan.Interop;
using Electra.Vulkan.Kernels;
using Electra.Vulkan.Spirv;
using C = Electra.Vulkan.CooperativeMatrixComponent;

namespace Electra.Tests.Vulkan;

/// <summary>
/// The GEMM path per device (KHR cooperative matrix &gt; NV cooperative matrix &gt; float16 weights &gt; float32), each
/// feature forced on and off in a made-up capability record (no GPU needed), and the kernels the catalog then builds.
/// </summary>
public sealed class GemmPathChoiceTests
{
    private const uint Vulkan13 = (1u << 22) | (3u << 12), Vulkan12 = (1u << 22) | (2u << 12);

    private static CooperativeMatrixShape Shape(CooperativeMatrixExtension ext, int m, int n, int k, C a = C.Float16, C c = C.Float32) =>
        new(ext, m, n, k, a, a, c, c, SubgroupScope: true);

    /// <summary>An NVIDIA GPU of the H200 kind: both extensions, 16 × 16 × 16 and 16 × 8 × 16 half → float shapes.</summary>
    private static readonly GemmCapabilities Nvidia = new(
        VendorId: PciVendor.Nvidia, DriverId: DriverId.NvidiaProprietary, Type: VulkanDeviceType.Discrete, ApiVersion: Vulkan13,
        Storage16Bit: true, ShaderFloat16: true, VulkanMemoryModel: true, KhrCooperativeMatrix: true, NvCooperativeMatrix: true,
        Shapes:
        [
            Shape(CooperativeMatrixExtension.Khr, 16, 16, 16, c: C.Float16),   // half accumulators: not usable
            Shape(CooperativeMatrixExtension.Khr, 16, 16, 16),
            Shape(CooperativeMatrixExtension.Khr, 16, 8, 16),
            Shape(CooperativeMatrixExtension.NV, 16, 8, 16),
            Shape(CooperativeMatrixExtension.NV, 16, 16, 16),
        ],
        SubgroupSize: 32, MinSubgroupSize: 32, MaxSubgroupSize: 32, SubgroupSizeControl: true, MaxSharedMemoryBytes: 49152,
        MaxWorkGroupInvocations: 1024, MaxStorageBuffersPerStage: 1u << 20);

    private static readonly GemmCapabilities Lavapipe = GemmCapabilities.None with
    {
        VendorId = 0x10005, Type = VulkanDeviceType.Cpu, ApiVersion = Vulkan13, Storage16Bit = true, ShaderFloat16 = true,
        VulkanMemoryModel = true, SubgroupSize = 8, MinSubgroupSize = 8, MaxSubgroupSize = 8, SubgroupSizeControl = true,
        MaxSharedMemoryBytes = 32768, MaxWorkGroupInvocations = 1024, MaxStorageBuffersPerStage = 32,
    };

    [Fact]
    public void Float32_precision_never_uses_matrix_cores()
    {
        Assert.Equal(GemmPath.Float32, GemmPathChoice.Choose(Nvidia, float16: false).Path);
        Assert.Equal(GemmPath.Float32, GemmPathChoice.Choose(Nvidia with { Storage16Bit = false }, float16: true).Path);
    }

    [Fact]
    public void KHR_beats_NV_and_takes_the_16x16x16_half_to_float_shape()
    {
        var choice = GemmPathChoice.Choose(Nvidia, float16: true);
        Assert.Equal(GemmPath.CooperativeMatrixKhr, choice.Path);
        var t = choice.Tiles!;
        Assert.Equal((16u, 16u, 16u), (t.TM, t.TN, t.TK));
        Assert.Equal((64u, 64u, 128u, 32u), (t.BlockM, t.BlockN, t.Threads, t.RequiredSubgroupSize));
        Assert.Equal([128u, 32u, 2u, 2u, 2u, 2u, 16u, 16u, 16u], t.Constants.ToArray());
        Assert.Contains("16×16×16 f16·f16+f32→f32", choice.Why);
    }

    [Fact]
    public void Without_KHR_the_NV_extension_is_used_with_its_own_shapes()
    {
        var nvOnly = Nvidia with { KhrCooperativeMatrix = false, Shapes = [Shape(CooperativeMatrixExtension.NV, 16, 8, 16)] };
        var choice = GemmPathChoice.Choose(nvOnly, float16: true);
        Assert.Equal(GemmPath.CooperativeMatrixNV, choice.Path);
        Assert.Equal((2u, 4u, 64u, 64u), (choice.Tiles!.FragM, choice.Tiles.FragN, choice.Tiles.BlockM, choice.Tiles.BlockN));
        // KHR offered but listing no usable shape: NV still serves.
        var khrUnusable = Nvidia with { Shapes = [Shape(CooperativeMatrixExtension.Khr, 16, 16, 16, a: C.SInt8, c: C.SInt32), Shape(CooperativeMatrixExtension.NV, 16, 16, 16)] };
        Assert.Equal(GemmPath.CooperativeMatrixNV, GemmPathChoice.Choose(khrUnusable, float16: true).Path);
    }

    [Fact]
    public void Without_either_extension_float16_weights_remain_and_the_reasons_are_given()
    {
        var choice = GemmPathChoice.Choose(Nvidia with { KhrCooperativeMatrix = false, NvCooperativeMatrix = false }, float16: true);
        Assert.Equal(GemmPath.Float16, choice.Path);
        Assert.Null(choice.Tiles);
        Assert.Contains("VK_KHR_cooperative_matrix: not offered", choice.Why);
        Assert.Contains("VK_NV_cooperative_matrix: not offered", choice.Why);
        Assert.Equal(GemmPath.Float16, GemmPathChoice.Choose(Lavapipe, float16: true).Path);
        Assert.Equal(GemmPath.Float16, GemmPathChoice.Choose(Lavapipe with { KhrCooperativeMatrix = true, Shapes = Nvidia.Shapes }, float16: true).Path);
    }

    private static readonly Dictionary<string, (GemmCapabilities Caps, string Reason)> Missing = new()
    {
        ["Vulkan 1.2"] = (Nvidia with { ApiVersion = Vulkan12 }, "Vulkan 1.3"),
        ["no shaderFloat16"] = (Nvidia with { ShaderFloat16 = false }, "shaderFloat16"),
        ["no vulkanMemoryModel"] = (Nvidia with { VulkanMemoryModel = false }, "vulkanMemoryModel"),
        ["only half accumulators"] = (Nvidia with { Shapes = [Shape(CooperativeMatrixExtension.Khr, 16, 16, 16, c: C.Float16), Shape(CooperativeMatrixExtension.NV, 16, 16, 16, c: C.Float16)] }, "no subgroup shape"),
        ["odd sizes only"] = (Nvidia with { Shapes = [Shape(CooperativeMatrixExtension.Khr, 12, 16, 16), Shape(CooperativeMatrixExtension.NV, 16, 16, 64)] }, "no subgroup shape"),
        ["little shared memory"] = (Nvidia with { MaxSharedMemoryBytes = 8192 }, "shared memory"),
        ["AMDVLK"] = (Nvidia with { VendorId = PciVendor.Amd, DriverId = DriverId.AmdOpenSource }, "RADV"),
        ["AMD proprietary"] = (Nvidia with { VendorId = PciVendor.Amd, DriverId = DriverId.AmdProprietary }, "RADV"),
        ["Intel before Xe2"] = (Nvidia with { VendorId = PciVendor.Intel, DriverId = 0, MinSubgroupSize = 8 }, "Xe2"),
        ["no subgroup size control off NVIDIA"] = (Nvidia with { VendorId = 0x13B5, SubgroupSizeControl = false }, "subgroup size control"),
        ["a CPU device"] = (Nvidia with { Type = VulkanDeviceType.Cpu }, "CPU device"),
    };

    public static TheoryData<string> MissingRequirements() => new(Missing.Keys);

    [Theory]
    [MemberData(nameof(MissingRequirements))]
    public void Each_missing_requirement_keeps_matrix_cores_off(string requirement)
    {
        var (caps, reason) = Missing[requirement];
        var choice = GemmPathChoice.Choose(caps, float16: true);
        Assert.Equal(GemmPath.Float16, choice.Path);
        Assert.Contains(reason, choice.Why);
    }

    [Fact]
    public void Trusted_vendors_beyond_NVIDIA_get_the_subgroup_size_they_default_to()
    {
        var radv = Nvidia with { VendorId = PciVendor.Amd, DriverId = DriverId.MesaRadv, SubgroupSize = 64, MinSubgroupSize = 32, MaxSubgroupSize = 64 };
        var t = GemmPathChoice.Choose(radv, float16: true).Tiles!;
        Assert.Equal((64u, 256u, 64u), (t.RequiredSubgroupSize, t.Threads, t.Subgroup));
        var xe2 = Nvidia with { VendorId = PciVendor.Intel, DriverId = 0, SubgroupSize = 16, MinSubgroupSize = 16, MaxSubgroupSize = 32 };
        Assert.Equal(GemmPath.CooperativeMatrixKhr, GemmPathChoice.Choose(xe2, float16: true).Path);
        // NVIDIA's subgroups are always 32 wide: no subgroup size control needed there.
        var plain = GemmPathChoice.Choose(Nvidia with { SubgroupSizeControl = false }, float16: true);
        Assert.Equal((GemmPath.CooperativeMatrixKhr, 0u), (plain.Path, plain.Tiles!.RequiredSubgroupSize));
    }

    [Fact]
    public void The_options_cap_the_path()
    {
        Assert.Equal(GemmPath.CooperativeMatrixNV, GemmPathChoice.Choose(Nvidia, true, GemmPath.CooperativeMatrixNV).Path);
        Assert.Equal(GemmPath.Float16, GemmPathChoice.Choose(Nvidia, true, GemmPath.Float16).Path);
        Assert.Equal(GemmPath.Float32, GemmPathChoice.Choose(Nvidia, true, GemmPath.Float32).Path);
        Assert.Equal(GemmPath.CooperativeMatrixKhr, GemmPathChoice.Choose(Nvidia, true, GemmPath.CooperativeMatrixKhr).Path);
        // A cap above what the device has: the best it has.
        Assert.Equal(GemmPath.Float16, GemmPathChoice.Choose(Lavapipe, true, GemmPath.CooperativeMatrixNV).Path);
    }

    private static PhysicalDeviceCaps Caps(GemmCapabilities gemm) => new(default,
        new VulkanDeviceInfo(0, "test GPU", "NVIDIA", VulkanDeviceType.Discrete, "", "", "1.3.0", 1L << 30, gemm.SubgroupSize, true, true,
            gemm.KhrCooperativeMatrix, 1L << 27, gemm.MaxSharedMemoryBytes, gemm.MaxWorkGroupInvocations),
        1L << 30, 16, 65535, 65535, 65535, 1024, 128, 0, Vulkan13) { MaxStorageBuffersPerStage = gemm.MaxStorageBuffersPerStage, Gemm = gemm };

    [Fact]
    public void The_catalog_builds_the_KHR_kernels_from_the_rewritten_NV_module_and_none_off_the_coopmat_paths()
    {
        var khr = new KernelCatalog(Caps(Nvidia), GemmPathChoice.Choose(Nvidia, true));
        Assert.Equal("matmul_coopmat" + ShaderBinaries.KhrSuffix, khr.MatmulCoopmat!.Shader);
        Assert.Equal("matmul_coopmat_multi" + ShaderBinaries.KhrSuffix, khr.MatmulCoopmatMulti!.Shader);
        Assert.Equal(32u, khr.MatmulCoopmat.RequiredSubgroupSize);
        Assert.Contains(khr.MatmulCoopmat, khr.Eager(float16Weights: true));
        Assert.DoesNotContain(khr.Eager(float16Weights: false), s => s.Shader.Contains("coopmat", StringComparison.Ordinal));
        var module = SpirvModule.Parse(ShaderBinaries.Load(khr.MatmulCoopmat.Shader));
        Assert.Contains(module.Instructions, i => i.Opcode == 17 && i.Words[1] == 6022);

        var nv = new KernelCatalog(Caps(Nvidia), GemmPathChoice.Choose(Nvidia, true, GemmPath.CooperativeMatrixNV));
        Assert.Equal("matmul_coopmat", nv.MatmulCoopmat!.Shader);
        Assert.Contains(SpirvModule.Parse(ShaderBinaries.Load(nv.MatmulCoopmat.Shader)).Instructions, i => i.Opcode == 17 && i.Words[1] == 5357);

        var plain = new KernelCatalog(Caps(Nvidia), GemmPathChoice.Choose(Nvidia, true, GemmPath.Float16));
        Assert.Null(plain.MatmulCoopmat);
        Assert.Null(plain.MatmulCoopmatMulti);
        Assert.DoesNotContain(plain.Eager(float16Weights: true), s => s.Shader.Contains("coopmat", StringComparison.Ordinal));
    }

    /// <summary>
    /// The small-M cooperative-matrix tiles (M ≤ 256): 1 × 4 subgroups of 16 × 16, as specialization constants of the same
    /// NV module (which the build validates and the rewrite tests cover); never run here, as lavapipe has no cooperative matrix.
    /// </summary>
    [Fact]
    public void Up_to_256_rows_the_cooperative_matrix_GEMM_takes_16_x_64_tiles_of_the_same_module()
    {
        var choice = GemmPathChoice.Choose(Nvidia, float16: true);
        var small = choice.SmallTiles!;
        Assert.Equal((16u, 64u, 128u), (small.BlockM, small.BlockN, small.Threads));
        Assert.Equal([128u, 32u, 1u, 4u, 1u, 1u, 16u, 16u, 16u], small.Constants.ToArray());
        Assert.Same(small, choice.TilesFor(1));
        Assert.Same(small, choice.TilesFor(256));
        Assert.Same(choice.Tiles, choice.TilesFor(257));
        // A 16 × 8 shape: two accumulators per subgroup keep the block 16 × 64.
        var narrow = GemmPathChoice.Choose(Nvidia with { KhrCooperativeMatrix = false, Shapes = [Shape(CooperativeMatrixExtension.NV, 16, 8, 16)] }, float16: true).SmallTiles!;
        Assert.Equal((1u, 2u, 16u, 64u), (narrow.FragM, narrow.FragN, narrow.BlockM, narrow.BlockN));
        Assert.True(small.SharedBytes <= choice.Tiles!.SharedBytes);   // wherever the large tiles fit, so do these

        var catalog = new KernelCatalog(Caps(Nvidia), choice);
        var forBatch1 = catalog.MatmulCoopmatFor(128)!;
        Assert.Equal(catalog.MatmulCoopmat!.Shader, forBatch1.Shader);
        Assert.Equal(small.Constants.ToArray(), forBatch1.Constants.ToArray());
        Assert.Equal(choice.Tiles.Constants.ToArray(), catalog.MatmulCoopmatFor(4096)!.Constants.ToArray());
        Assert.Equal(small.Constants.ToArray(), catalog.MatmulCoopmatMultiFor(128)!.Constants.ToArray());
        var eager = catalog.Eager(float16Weights: true).ToList();
        Assert.Contains(forBatch1, eager);
        Assert.Contains(catalog.MatmulCoopmatMultiFor(128)!, eager);
        Assert.Null(new KernelCatalog(Caps(Nvidia), GemmPathChoice.Choose(Nvidia, true, GemmPath.Float16)).MatmulCoopmatFor(128));
    }
}
