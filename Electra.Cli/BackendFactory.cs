using Electra.Core.Backend;
using Electra.Cpu;

namespace Electra.Cli;

/// <summary>Creates the backend a command asked for with --backend (and --threads / --device).</summary>
public static class BackendFactory
{
    public static IBackend Create(string? name, int? threads = null, string? device = null) => (name ?? "cpu") switch
    {
        "cpu" => new CpuBackend(new CpuBackendOptions(threads)),
        "vulkan" => Vulkan.VulkanBackend.Create(VulkanOptionsFor(device)),
        var other => throw new UsageException($"unknown backend '{other}': expected cpu or vulkan"),
    };

    /// <summary>--device N picks a device by index; any other text picks the first device whose name contains it.</summary>
    private static Vulkan.VulkanOptions VulkanOptionsFor(string? device) =>
        device is null ? Vulkan.VulkanOptions.Default
        : int.TryParse(device, out var index) ? new Vulkan.VulkanOptions { DeviceIndex = index }
        : new Vulkan.VulkanOptions { DeviceNameContains = device };
}
