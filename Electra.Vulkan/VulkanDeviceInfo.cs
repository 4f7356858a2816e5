using System.Collections.Immutable;

namespace Electra.Vulkan;

/// <summary>Kind of a Vulkan physical device, in the order the default selection prefers them.</summary>
public enum VulkanDeviceType { Discrete, Integrated, Virtual, Cpu, Other }

/// <summary>One Vulkan device as listed by <c>electra devices</c>.</summary>
/// <param name="Index">Position in <see cref="VulkanDevices.List"/>, usable as <see cref="VulkanOptions.DeviceIndex"/>.</param>
/// <param name="Name">The driver's device name, e.g. "NVIDIA GeForce RTX 4090" or "llvmpipe (LLVM 15.0.6, 256 bits)".</param>
/// <param name="Type">Discrete, integrated, virtual or CPU.</param>
/// <param name="Vendor">Vendor name derived from the PCI vendor id ("NVIDIA", "AMD", "Intel", "Mesa" ...).</param>
/// <param name="DriverName">Driver name (e.g. "llvmpipe", "radv"), empty when the device does not report it.</param>
/// <param name="DriverInfo">Driver version text (e.g. "Mesa 22.3.6 (LLVM 15.0.6)").</param>
/// <param name="ApiVersion">Vulkan version the device supports, "major.minor.patch".</param>
/// <param name="DeviceLocalMemoryBytes">Size of the largest device-local memory heap.</param>
/// <param name="SubgroupSize">Default subgroup (warp/wave) size.</param>
/// <param name="Supports16BitStorage">storageBuffer16BitAccess: float16 weights can be stored.</param>
/// <param name="SupportsFloat16Arithmetic">shaderFloat16: float16 arithmetic in shaders.</param>
/// <param name="SupportsCooperativeMatrix">VK_KHR_cooperative_matrix is advertised (whether it is used: <see cref="Float16GemmPath"/>).</param>
/// <param name="MaxStorageBufferRange">Largest storage buffer one descriptor may bind, in bytes.</param>
/// <param name="MaxComputeSharedMemoryBytes">Shared (workgroup) memory per workgroup, in bytes.</param>
/// <param name="MaxComputeWorkGroupInvocations">Largest workgroup, in invocations.</param>
public sealed record VulkanDeviceInfo(
    int Index,
    string Name,
    string Vendor,
    VulkanDeviceType Type,
    string DriverName,
    string DriverInfo,
    string ApiVersion,
    long DeviceLocalMemoryBytes,
    int SubgroupSize,
    bool Supports16BitStorage,
    bool SupportsFloat16Arithmetic,
    bool SupportsCooperativeMatrix,
    long MaxStorageBufferRange,
    int MaxComputeSharedMemoryBytes,
    int MaxComputeWorkGroupInvocations)
{
    /// <summary>The cooperative-matrix shapes the device offers (VK_KHR_cooperative_matrix and VK_NV_cooperative_matrix), empty without them.</summary>
    public ImmutableArray<CooperativeMatrixShape> CooperativeMatrixShapes { get; init; } = [];

    /// <summary>How linear layers run on this device under float16 precision (<c>--precision f16</c>).</summary>
    public GemmPath Float16GemmPath { get; init; } = GemmPath.Float16;

    /// <summary>Why <see cref="Float16GemmPath"/> was chosen: the shape used, or why cooperative matrices are not.</summary>
    public string Float16GemmNote { get; init; } = "";

    /// <summary>How activations are stored on this device under float16 precision (float16 needs shaderFloat16 and 16-bit storage buffers).</summary>
    public ActivationPrecision Float16Activations { get; init; } = ActivationPrecision.Float32;

    /// <summary>What float16 precision becomes on this device: which of weights and activations are half, or the fallback taken.</summary>
    public string Float16PrecisionNote { get; init; } = "";

    /// <summary>Whether the GPU-shaped float16 GEMMs multiply in packed f16vec2 arithmetic on this device under float16 precision.</summary>
    public bool Float16PackedArithmetic { get; init; }

    /// <summary>Why <see cref="Float16PackedArithmetic"/> is what it is.</summary>
    public string Float16ArithmeticNote { get; init; } = "";

    /// <summary>One line: name, type, driver and memory.</summary>
    public string Describe() =>
        $"{Name} ({Vendor}, {Type.ToString().ToLowerInvariant()}, driver {(DriverName.Length > 0 ? DriverName + " " : "")}{DriverInfo}, " +
        $"Vulkan {ApiVersion}, {DeviceLocalMemoryBytes / (1024.0 * 1024 * 1024):0.0} GiB)";
}
