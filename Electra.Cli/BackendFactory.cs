using Electra.Core.Backend;
using Electra.Cpu;

namespace Electra.Cli;

/// <summary>Creates the backend a command asked for with --backend (and --threads / --device).</summary>
public static class BackendFactory
{
    /// <param name="name">cpu or vulkan (default cpu).</param>
    /// <param name="threads">CPU threads.</param>
    /// <param name="device">--device: a Vulkan device index or part of its name.</param>
    /// <param name="precision">--precision: f32 (default) or f16 (Vulkan only: float16 linear weights).</param>
    /// <param name="profile">Vulkan: GPU timestamps around every dispatch.</param>
    public static IBackend Create(string? name, int? threads = null, string? device = null, string? precision = null, bool profile = false)
    {
        bool half = precision switch
        {
            null or "f32" => false,
            "f16" => true,
            var other => throw new UsageException($"unknown precision '{other}': expected f32 or f16"),
        };
        return (name ?? "cpu") switch
        {
            "cpu" when half => throw new UsageException("--precision f16 needs --backend vulkan (the CPU backend computes in float32)"),
            "cpu" => new CpuBackend(new CpuBackendOptions(threads)),
            "vulkan" => Vulkan.VulkanBackend.Create(VulkanOptionsFor(device) with { UseFloat16Weights = half, Profile = profile }),
            var other => throw new UsageException($"unknown backend '{other}': expected cpu or vulkan"),
        };
    }

    /// <summary>--device N picks a device by index; any other text picks the first device whose name contains it.</summary>
    private static Vulkan.VulkanOptions VulkanOptionsFor(string? device) =>
        device is null ? Vulkan.VulkanOptions.Default
        : int.TryParse(device, out var index) ? new Vulkan.VulkanOptions { DeviceIndex = index }
        : new Vulkan.VulkanOptions { DeviceNameContains = device };
}
