using Electra.Core.Backend;
using Electra.Cpu;

namespace Electra.Cli;

/// <summary>Creates the backend a command asked for with --backend (and --threads / --device / --quantize).</summary>
public static class BackendFactory
{
    public static IBackend Create(string? name, int? threads = null, string? device = null, string? quantize = null) => (name ?? "cpu") switch
    {
        "cpu" => new CpuBackend(new CpuBackendOptions(threads, Quantization: quantize switch
        {
            null => null,
            "int8" => Int8Quantization.Default,
            var other => throw new UsageException($"--quantize must be int8, got '{other}'"),
        })),
        "vulkan" when quantize is not null => throw new UsageException($"--quantize {quantize} runs on the CPU backend only"),
        "vulkan" => Vulkan.VulkanBackend.Create(VulkanOptionsFor(device)),
        var other => throw new UsageException($"unknown backend '{other}': expected cpu or vulkan"),
    };

    /// <summary>--device N picks a device by index; any other text picks the first device whose name contains it.</summary>
    private static Vulkan.VulkanOptions VulkanOptionsFor(string? device) =>
        device is null ? Vulkan.VulkanOptions.Default
        : int.TryParse(device, out var index) ? new Vulkan.VulkanOptions { DeviceIndex = index }
        : new Vulkan.VulkanOptions { DeviceNameContains = device };
}
