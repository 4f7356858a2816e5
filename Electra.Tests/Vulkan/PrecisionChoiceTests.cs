using Electra.Core.Tensors;
using Electra.Vulkan;
using Electra.Vulkan.Gemm;

namespace Electra.Tests.Vulkan;

/// <summary>
/// What <c>--precision f16</c> becomes per device, each feature forced off in turn (a pure function, no device needed):
/// float16 weights and activations with shaderFloat16 and 16-bit storage; float16 weights with float32 activations
/// with 16-bit storage only; float32 throughout with neither. And on this machine's device, the fallback asked for by
/// the options runs the float32-activation kernels.
/// </summary>
[Collection("Vulkan")]
public sealed class PrecisionChoiceTests(VulkanFixture fixture)
{
    [Theory]
    [InlineData(false, true, true, true, false, ActivationPrecision.Float32)]   // float32 precision asked for
    [InlineData(true, true, true, true, true, ActivationPrecision.Float16)]     // everything there
    [InlineData(true, true, true, false, true, ActivationPrecision.Float32)]   // no shaderFloat16: half weights only
    [InlineData(true, true, false, true, false, ActivationPrecision.Float32)]   // no 16-bit storage: float32 throughout
    [InlineData(true, true, false, false, false, ActivationPrecision.Float32)]  // neither
    [InlineData(true, false, true, true, true, ActivationPrecision.Float32)]   // float16 activations turned off by the options
    public void Float16_precision_falls_back_by_feature(bool float16, bool halfActivations, bool storage16, bool shaderFloat16,
        bool expectedHalfWeights, ActivationPrecision expectedActivations)
    {
        var choice = PrecisionChoice.Choose(float16, halfActivations, storage16, shaderFloat16);
        Assert.Equal(expectedHalfWeights, choice.Float16Weights);
        Assert.Equal(expectedActivations, choice.Activations);
        Assert.False(string.IsNullOrWhiteSpace(choice.Why));
    }

    [Fact]
    public void The_float16_activation_variant_keeps_the_cooperative_matrix_suffix_last()
    {
        var spec = new Electra.Vulkan.Kernels.KernelSpec("matmul_coopmat" + Electra.Vulkan.Kernels.ShaderBinaries.KhrSuffix, 4, 32, []);
        Assert.Equal("matmul_coopmat_f16act+khr", Electra.Vulkan.Kernels.KernelCatalog.ForActivations(spec, true).Shader);
        Assert.Same(spec, Electra.Vulkan.Kernels.KernelCatalog.ForActivations(spec, false));
    }

    [VulkanFact]
    public void The_device_reports_its_float16_activation_choice_and_the_option_falls_back()
    {
        var device = fixture.Float16Backend.Device;
        var expected = device.Supports16BitStorage && device.SupportsFloat16Arithmetic ? ActivationPrecision.Float16 : ActivationPrecision.Float32;
        Assert.Equal(expected, device.Float16Activations);
        Assert.Equal(fixture.Float16Backend.UsesFloat16Weights ? expected : ActivationPrecision.Float32, fixture.Float16Backend.ActivationPrecision);
        Assert.Equal(ActivationPrecision.Float32, fixture.Backend.ActivationPrecision);

        // float16 weights with float32 activations (what a device without shaderFloat16 runs): the plain kernels, no _f16act.
        using var backend = VulkanBackend.Create(new VulkanOptions
        {
            UseFloat16Weights = true, Float16Activations = false, EnableValidation = true, Profile = true,
            PipelineCacheDirectory = VulkanFixture.TestCacheDirectory,
        });
        Assert.Equal(ActivationPrecision.Float32, backend.ActivationPrecision);
        Assert.Equal(device.Supports16BitStorage, backend.UsesFloat16Weights);
        var linear = backend.UploadLinear(HostTensor.Create(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3), null);
        using (var pass = backend.BeginPass())
            Assert.Equal(new float[] { 14, 32 }, pass.Read(pass.Linear(pass.Upload([1f, 2f, 3f], [1, 3]), linear)));
        if (backend.Profile.Count > 0)
            Assert.DoesNotContain(backend.Profile.Keys, k => k.Contains("_f16act", StringComparison.Ordinal));
        Assert.Empty(backend.ValidationMessages);
    }
}
