using Electra.Models;
using Electra.Tests.Support;
using Electra.Vulkan;

namespace Electra.Tests.Vulkan;

/// <summary>
/// Every reference case with float16 linear weights (float32 accumulation). Stated tolerance:
/// |a − r| ≤ 1e-2 + 1e-2·|r| (measured worst on the fixtures: 5e-3·(1 + |r|), in logits).
/// </summary>
[Collection("Vulkan")]
public sealed class VulkanFloat16FixtureTests
{
    public const double Tolerance = 1e-2;

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        // The small-model case is left to the float32 fixture run: on lavapipe it is slow and adds no coverage here.
        foreach (var name in SharedData.CaseNames().Where(n => !n.StartsWith("models/electra-small", StringComparison.Ordinal)))
            data.Add(name);
        return data;
    }

    [VulkanTheory]
    [MemberData(nameof(Cases))]
    public void MatchesTransformers_with_float16_weights(string caseName)
    {
        var fixture = FixtureCase.Load(SharedData.CaseFolder(caseName));
        using var backend = VulkanBackend.Create(new VulkanOptions { UseFloat16Weights = true, EnableValidation = true, PipelineCacheDirectory = VulkanFixture.TestCacheDirectory });
        if (!backend.UsesFloat16Weights) return;   // the device lacks 16-bit storage: float32 is used and tested elsewhere
        var model = ElectraPretrained.Load(fixture.Folder, backend);
        var output = model.Forward(fixture.Inputs(), ForwardOptions.Everything);
        foreach (var (name, expected) in fixture.Reference().OrderBy(kv => kv.Key, StringComparer.Ordinal))
            TensorAssert.Close($"{caseName}/{name} (float16 weights)", expected, output.Tensors[name], Tolerance, Tolerance);
        Assert.Empty(backend.ValidationMessages);
    }
}
