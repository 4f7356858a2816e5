using Electra.Vulkan;

namespace Electra.Tests.Vulkan;

/// <summary>
/// The GEMM path the Vulkan device under test gets: on lavapipe (no cooperative matrix) float16 precision keeps the
/// float16-weight kernels and nothing else changes; a GPU with matrix cores takes them under float16 only.
/// </summary>
[Collection("Vulkan")]
public sealed class GemmPathOnDeviceTests(VulkanFixture fixture)
{
    [VulkanFact]
    public void Float32_precision_uses_float32_and_float16_precision_uses_what_the_device_offers()
    {
        Assert.Equal(GemmPath.Float32, fixture.Backend.GemmPath);
        var half = fixture.Float16Backend;
        if (!half.UsesFloat16Weights) return;   // no 16-bit storage: float32 everywhere
        Assert.Equal(half.Device.Float16GemmPath, half.GemmPath);
        if (half.Device.CooperativeMatrixShapes.IsEmpty)
            Assert.Equal(GemmPath.Float16, half.GemmPath);
        Assert.NotEqual("", half.GemmNote);
        Assert.Empty(half.ValidationMessages);
    }
}
