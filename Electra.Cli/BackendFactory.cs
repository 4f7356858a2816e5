using Electra.Core.Backend;
using Electra.Cpu;

namespace Electra.Cli;

/// <summary>Creates the backend a command asked for with --backend (and --threads / --device).</summary>
public static class BackendFactory
{
    public static IBackend Create(string? name, int? threads = null, string? device = null) => (name ?? "cpu") switch
    {
        "cpu" => new CpuBackend(new CpuBackendOptions(threads)),
        "vulkan" => Electra.Vulkan.VulkanBackend.Create(Electra.Vulkan.VulkanOptions.ForDevice(device)),
        var other => throw new UsageException($"unknown backend '{other}': expected cpu or vulkan"),
    };
}
