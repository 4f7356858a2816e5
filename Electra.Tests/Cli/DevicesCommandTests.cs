using Electra.Cli;
using Electra.Cli.Commands;
using Electra.Vulkan;
using Electra.Tests.Vulkan;

namespace Electra.Tests.Cli;

[Collection("Vulkan")]
public sealed class DevicesCommandTests
{
    [VulkanFact]
    public void Lists_every_device_with_its_capabilities_and_marks_the_default()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        Assert.Equal(0, CommandLine.Run(["devices"], stdout, stderr));
        var text = stdout.ToString();
        var devices = VulkanDevices.List();
        foreach (var d in devices)
            Assert.Contains($"[{d.Index}] {d.Name}", text);
        Assert.Contains("(default)", text);
        Assert.Contains($"cpu: int8 kernel {Electra.Cpu.Kernels.Int8.Int8IsaDetection.Best}", text);
        Assert.Contains($"subgroup   {devices[0].SubgroupSize}", text);
        Assert.Contains("16-bit storage", text);
        Assert.Contains("cooperative matrix", text);
        // The float16 GEMM path and, where offered, every cooperative-matrix shape.
        Assert.Contains("f16 gemm", text);
        foreach (var shape in devices.SelectMany(d => d.CooperativeMatrixShapes))
            Assert.Contains($"coopmat    {shape}", text);
        Assert.Equal("", stderr.ToString());
    }

    [Fact]
    public void Rejects_unknown_options()
    {
        Assert.Equal(ExitCodes.Usage, CommandLine.Run(["devices", "--bogus", "1"], TextWriter.Null, TextWriter.Null));
    }

    [Fact]
    public void Device_argument_is_an_index_or_a_name_part()
    {
        Assert.Equal(new VulkanOptions { DeviceIndex = 2 }, VulkanOptions.ForDevice("2"));
        Assert.Equal(new VulkanOptions { DeviceNameContains = "rtx" }, VulkanOptions.ForDevice("rtx"));
        Assert.Equal(VulkanOptions.Default, VulkanOptions.ForDevice(null));
    }
}
