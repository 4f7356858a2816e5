using System.Collections.Immutable;
using Electra.Vulkan.Interop;

namespace Electra.Vulkan;

/// <summary>Lists the Vulkan devices on this machine.</summary>
public static class VulkanDevices
{
    /// <summary>Every device with a compute queue, numbered as <see cref="VulkanOptions.DeviceIndex"/> expects.</summary>
    /// <exception cref="VulkanUnavailableException">no Vulkan loader or driver is installed.</exception>
    public static ImmutableArray<VulkanDeviceInfo> List()
    {
        using var instance = new VulkanInstance(enableValidation: false);
        return [.. PhysicalDeviceProbe.Probe(instance).Select(c => c.Info)];
    }

    /// <summary>The device <see cref="VulkanBackend.Create"/> would pick for these options.</summary>
    public static VulkanDeviceInfo Preferred(VulkanOptions options) => DeviceSelection.Select(List(), d => d, options);

    /// <summary>Index of the device the options (default: none) select among <paramref name="devices"/>.</summary>
    public static int PreferredIndex(IReadOnlyList<VulkanDeviceInfo> devices, VulkanOptions? options = null) =>
        DeviceSelection.Select(devices, d => d, options ?? VulkanOptions.Default).Index;
}
