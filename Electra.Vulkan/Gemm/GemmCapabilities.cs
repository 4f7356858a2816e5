using System.Collections.Immutable;

namespace Electra.Vulkan.Gemm;

/// <summary>Vendors the GEMM choice gates on (PCI vendor ids).</summary>
internal static class PciVendor
{
    public const uint Amd = 0x1002, Nvidia = 0x10DE, Intel = 0x8086;
}

/// <summary>Drivers the GEMM choice gates on (VkDriverId).</summary>
internal static class DriverId
{
    public const uint AmdProprietary = 1, AmdOpenSource = 2, MesaRadv = 3, NvidiaProprietary = 4;
}

/// <summary>
/// What a device offers that decides its GEMM path: a plain record, filled from the driver by
/// <c>Interop.CooperativeMatrixProbe</c> or by hand in tests, so that the choice (<see cref="GemmPathChoice"/>) is a
/// pure function of it.
/// </summary>
/// <remarks>
/// ApiVersion: the Vulkan version both instance and device support (the coopmat SPIR-V is 1.6: 1.3 is needed).
/// KhrCooperativeMatrix / NvCooperativeMatrix: the extension advertised and its cooperativeMatrix feature on. Shapes:
/// every shape vkGetPhysicalDeviceCooperativeMatrixPropertiesKHR / ...NV lists. SubgroupSizeControl: subgroupSizeControl
/// and computeFullSubgroups, with compute among requiredSubgroupSizeStages. The rest are the features and limits of the
/// same names.
/// </remarks>
internal sealed record GemmCapabilities(
    uint VendorId,
    uint DriverId,
    VulkanDeviceType Type,
    uint ApiVersion,
    bool Storage16Bit,
    bool ShaderFloat16,
    bool VulkanMemoryModel,
    bool KhrCooperativeMatrix,
    bool NvCooperativeMatrix,
    ImmutableArray<CooperativeMatrixShape> Shapes,
    int SubgroupSize,
    int MinSubgroupSize,
    int MaxSubgroupSize,
    bool SubgroupSizeControl,
    int MaxSharedMemoryBytes,
    int MaxWorkGroupInvocations,
    uint MaxStorageBuffersPerStage)
{
    /// <summary>What a device without any of it reports (Vulkan 1.1, no 16-bit storage).</summary>
    public static GemmCapabilities None { get; } = new(0, 0, VulkanDeviceType.Other, 0, false, false, false, false, false, [], 32, 32, 32,
        false, 16384, 128, 4);
}
