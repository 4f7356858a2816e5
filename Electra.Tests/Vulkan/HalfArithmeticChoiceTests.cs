using Electra.Vulkan;
using Electra.Vulkan.Gemm;
using Electra.Vulkan.Interop;
using Electra.Vulkan.Kernels;
using Electra.Vulkan.Spirv;

namespace Electra.Tests.Vulkan;

/// <summary>
/// Packed f16vec2 arithmetic per device (AMD, Intel and other GPUs with float16 activations and no cooperative-matrix
/// path; never NVIDIA without one, CPU devices or float32 activations), each input forced in a made-up capability
/// record; the kernels the catalog then names, and that their SPIR-V multiplies half pairs.
/// </summary>
public sealed class HalfArithmeticChoiceTests
{
    private const uint Vulkan13 = (1u << 22) | (3u << 12);

    /// <summary>An AMD RDNA2 GPU on RADV: float16 arithmetic, no cooperative matrix.</summary>
    private static readonly GemmCapabilities Amd = GemmCapabilities.None with
    {
        VendorId = PciVendor.Amd, DriverId = DriverId.MesaRadv, Type = VulkanDeviceType.Discrete, ApiVersion = Vulkan13,
        Storage16Bit = true, ShaderFloat16 = true, VulkanMemoryModel = true, SubgroupSize = 64, MinSubgroupSize = 32, MaxSubgroupSize = 64,
        SubgroupSizeControl = true, MaxSharedMemoryBytes = 65536, MaxWorkGroupInvocations = 1024, MaxStorageBuffersPerStage = 1u << 20,
    };

    [Fact]
    public void AMD_and_Intel_GPUs_without_matrix_cores_multiply_packed_halves()
    {
        Assert.True(HalfArithmeticChoice.Choose(Amd, float16Activations: true, GemmPath.Float16).Enabled);
        var intel = Amd with { VendorId = PciVendor.Intel, DriverId = 0, Type = VulkanDeviceType.Integrated, MinSubgroupSize = 8 };
        var choice = HalfArithmeticChoice.Choose(intel, true, GemmPathChoice.Choose(intel, float16: true).Path);
        Assert.True(choice.Enabled);
        Assert.Contains("packed f16vec2", choice.Why);
        // AMD's own driver, where the cooperative-matrix path is refused: packed halves instead.
        var amdvlk = Amd with { DriverId = DriverId.AmdOpenSource, KhrCooperativeMatrix = true };
        Assert.True(HalfArithmeticChoice.Choose(amdvlk, true, GemmPathChoice.Choose(amdvlk, float16: true).Path).Enabled);
    }

    [Fact]
    public void A_cooperative_matrix_path_NVIDIA_without_one_CPU_devices_and_float32_activations_keep_float32_arithmetic()
    {
        Assert.False(HalfArithmeticChoice.Choose(Amd, true, GemmPath.CooperativeMatrixKhr).Enabled);
        Assert.False(HalfArithmeticChoice.Choose(Amd, true, GemmPath.CooperativeMatrixNV).Enabled);
        var pascal = Amd with { VendorId = PciVendor.Nvidia, DriverId = DriverId.NvidiaProprietary, SubgroupSize = 32 };
        Assert.Contains("NVIDIA", HalfArithmeticChoice.Choose(pascal, true, GemmPath.Float16).Why);
        Assert.False(HalfArithmeticChoice.Choose(pascal, true, GemmPath.Float16).Enabled);
        var lavapipe = Amd with { VendorId = 0x10005, DriverId = 0, Type = VulkanDeviceType.Cpu };
        Assert.False(HalfArithmeticChoice.Choose(lavapipe, true, GemmPath.Float16).Enabled);
        Assert.False(HalfArithmeticChoice.Choose(Amd, float16Activations: false, GemmPath.Float16).Enabled);
        Assert.False(HalfArithmeticChoice.Choose(Amd with { ShaderFloat16 = false }, true, GemmPath.Float16).Enabled);
    }

    [Fact]
    public void The_options_force_it_on_wherever_activations_are_half_and_off_everywhere()
    {
        var lavapipe = Amd with { VendorId = 0x10005, DriverId = 0, Type = VulkanDeviceType.Cpu };
        Assert.True(HalfArithmeticChoice.Choose(lavapipe, true, GemmPath.Float16, forced: true).Enabled);
        Assert.False(HalfArithmeticChoice.Choose(lavapipe, false, GemmPath.Float32, forced: true).Enabled);
        Assert.False(HalfArithmeticChoice.Choose(Amd, true, GemmPath.Float16, forced: false).Enabled);
        Assert.Contains("options", HalfArithmeticChoice.Choose(Amd, true, GemmPath.Float16, forced: false).Why);
    }

    private static PhysicalDeviceCaps Caps(GemmCapabilities gemm) => new(default,
        new VulkanDeviceInfo(0, "test GPU", "AMD", gemm.Type, "", "", "1.3.0", 1L << 30, gemm.SubgroupSize, true, true,
            false, 1L << 27, gemm.MaxSharedMemoryBytes, gemm.MaxWorkGroupInvocations),
        1L << 30, 16, 65535, 65535, 65535, 1024, 128, 0, Vulkan13) { MaxStorageBuffersPerStage = gemm.MaxStorageBuffersPerStage, Gemm = gemm };

    [Fact]
    public void The_catalog_names_the_packed_kernels_for_half_inputs_only_and_their_SPIR_V_multiplies_half_pairs()
    {
        var catalog = new KernelCatalog(Caps(Amd), GemmPathChoice.Choose(Amd, true)) { HalfArithmetic = true };
        var eager = catalog.Eager(float16Weights: true, float16Activations: true).Select(s => s.Shader).ToHashSet();
        foreach (var name in new[] { "matmul_f16_f16math_f16act", "matmul_multi_f16_f16math_f16act", "matmul_split_f16_f16math_f16act", "matmul_layernorm_f16_f16math_f16act" })
        {
            Assert.Contains(name, eager);
            Assert.True(MultipliesHalfPairs(SpirvModule.Parse(ShaderBinaries.Load(name))), $"{name}: no f16vec2 FMA");
        }
        Assert.DoesNotContain("matmul_f16_f16act", eager);
        // float32 inputs (a forward from inputs_embeds), float32 weights and the CPU-shaped family keep float32 arithmetic.
        Assert.Equal("matmul_f16", catalog.Matmul(true, catalog.LargeTiles, halfInputs: false).Shader);
        Assert.Equal("matmul", catalog.Matmul(false, catalog.LargeTiles, halfInputs: true).Shader);
        Assert.Equal("matmul_cpu_f16", catalog.Matmul(true, catalog.CpuTiles, halfInputs: true).Shader);
        Assert.False(MultipliesHalfPairs(SpirvModule.Parse(ShaderBinaries.Load("matmul_f16_f16act"))));
        catalog.HalfArithmetic = false;
        Assert.Equal("matmul_split_f16", catalog.MatmulSplit(true, halfInputs: true).Shader);
    }

    /// <summary>An OpExtInst GLSL.std.450 Fma (50) whose result type is a 2-vector of 16-bit floats.</summary>
    private static bool MultipliesHalfPairs(SpirvModule module)
    {
        const ushort OpTypeFloat = 22, OpTypeVector = 23, OpExtInst = 12;
        var halves = module.Instructions.Where(i => i.Opcode == OpTypeFloat && i.Words[2] == 16).Select(i => i.Words[1]).ToHashSet();
        var pairs = module.Instructions.Where(i => i.Opcode == OpTypeVector && halves.Contains(i.Words[2]) && i.Words[3] == 2)
            .Select(i => i.Words[1]).ToHashSet();
        return module.Instructions.Any(i => i.Opcode == OpExtInst && pairs.Contains(i.Words[1]) && i.Words[4] == 50);
    }
}
