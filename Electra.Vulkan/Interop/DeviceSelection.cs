namespace Electra.Vulkan.Interop;

/// <summary>Chooses a device: by index, by name substring, or the best kind (discrete &gt; integrated &gt; virtual &gt; CPU).</summary>
internal static class DeviceSelection
{
    public static int Rank(VulkanDeviceType type) => type switch
    {
        VulkanDeviceType.Discrete => 0,
        VulkanDeviceType.Integrated => 1,
        VulkanDeviceType.Virtual => 2,
        VulkanDeviceType.Cpu => 3,
        _ => 4,
    };

    public static T Select<T>(IReadOnlyList<T> devices, Func<T, VulkanDeviceInfo> info, VulkanOptions options)
    {
        if (devices.Count == 0)
            throw new VulkanUnavailableException(
                "the Vulkan driver reports no device with a compute queue. " + VulkanUnavailableException.InstallHint);

        string available = string.Join("; ", devices.Select(d => $"{info(d).Index}: {info(d).Name}"));
        if (options.DeviceIndex is int index)
        {
            var match = devices.FirstOrDefault(d => info(d).Index == index);
            if (match == null)
                throw new VulkanUnavailableException($"no Vulkan device with index {index}; available: {available}");
            return match;
        }

        IEnumerable<T> candidates = devices;
        if (!string.IsNullOrEmpty(options.DeviceNameContains))
        {
            candidates = devices.Where(d => info(d).Name.Contains(options.DeviceNameContains, StringComparison.OrdinalIgnoreCase)).ToList();
            if (!candidates.Any())
                throw new VulkanUnavailableException(
                    $"no Vulkan device name contains '{options.DeviceNameContains}'; available: {available}");
        }
        // OrderBy is stable, so equal kinds keep the driver's enumeration order.
        return candidates.OrderBy(d => Rank(info(d).Type)).First();
    }
}
