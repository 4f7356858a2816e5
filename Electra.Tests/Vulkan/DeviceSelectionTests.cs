using Electra.Vulkan;
using Electra.Vulkan.Interop;

namespace Electra.Tests.Vulkan;

/// <summary>Default device choice and explicit picks, on made-up device lists (no driver needed).</summary>
public sealed class DeviceSelectionTests
{
    private static VulkanDeviceInfo Device(int index, string name, VulkanDeviceType type) =>
        new(index, name, "X", type, "", "", "1.3.0", 1 << 30, 32, true, true, false, 1 << 27, 32768, 1024);

    private static readonly VulkanDeviceInfo[] Machine =
    [
        Device(0, "llvmpipe (LLVM 15.0.6, 256 bits)", VulkanDeviceType.Cpu),
        Device(1, "Intel(R) UHD Graphics 770", VulkanDeviceType.Integrated),
        Device(2, "AMD Radeon RX 7900 XTX", VulkanDeviceType.Discrete),
        Device(3, "NVIDIA GeForce RTX 4090", VulkanDeviceType.Discrete),
    ];

    private static VulkanDeviceInfo Pick(VulkanOptions options, params VulkanDeviceInfo[] devices) =>
        DeviceSelection.Select(devices, d => d, options);

    [Fact]
    public void Default_prefers_discrete_then_integrated_then_virtual_then_cpu_keeping_driver_order()
    {
        Assert.Equal(2, Pick(VulkanOptions.Default, Machine).Index);
        Assert.Equal(1, Pick(VulkanOptions.Default, Machine[0], Machine[1]).Index);
        Assert.Equal(5, Pick(VulkanOptions.Default, Machine[0], Device(5, "virtio", VulkanDeviceType.Virtual)).Index);
        Assert.Equal(0, Pick(VulkanOptions.Default, Machine[0]).Index);
    }

    [Fact]
    public void Index_and_name_substring_pick_exactly()
    {
        Assert.Equal(0, Pick(new VulkanOptions { DeviceIndex = 0 }, Machine).Index);
        Assert.Equal(3, Pick(new VulkanOptions { DeviceNameContains = "rtx" }, Machine).Index);
        Assert.Equal(2, Pick(new VulkanOptions { DeviceNameContains = "R" }, Machine).Index);   // best of the matches
    }

    [Fact]
    public void No_device_or_no_match_is_a_VulkanUnavailableException_with_a_hint()
    {
        var e = Assert.Throws<VulkanUnavailableException>(() => Pick(VulkanOptions.Default));
        Assert.Contains("apt-get install", e.Message);
        e = Assert.Throws<VulkanUnavailableException>(() => Pick(new VulkanOptions { DeviceIndex = 7 }, Machine));
        Assert.Contains("no Vulkan device with index 7", e.Message);
        Assert.Contains("3: NVIDIA GeForce RTX 4090", e.Message);
    }
}
