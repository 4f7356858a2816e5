using System.Text.Json;
using Electra.Models;
using Electra.Tests.Support;
using Electra.Vulkan;
using Xunit.Abstractions;

namespace Electra.Tests.Vulkan;

/// <summary>
/// Every shared reference case (every head, BF16/F16/.bin checkpoints, token types, embedding_size ≠ hidden_size, the
/// ELECTRA-small-shaped model) under <c>--precision f16</c>: float16 weights and activations on the device, float32
/// sums. Each output is held to <see cref="Float16Tolerance"/>: abs/rel for logits, hidden states and losses, abs for
/// attention probabilities, the pooled embedding's cosine, and the classifiers' arg-max. Validation stays silent.
/// </summary>
[Collection("Vulkan")]
public sealed class VulkanFloat16FixtureTests(ITestOutputHelper output)
{
    public static TheoryData<string> Cases() => new(SharedData.CaseNames());

    [VulkanTheory]
    [MemberData(nameof(Cases))]
    public void MatchesTransformers_with_float16_activations(string caseName)
    {
        var fixture = FixtureCase.Load(SharedData.CaseFolder(caseName));
        using var backend = VulkanBackend.Create(new VulkanOptions { UseFloat16Weights = true, EnableValidation = true, PipelineCacheDirectory = VulkanFixture.TestCacheDirectory });
        if (backend.ActivationPrecision != ActivationPrecision.Float16) return;   // the fallbacks are tested by PrecisionChoiceTests
        Check(caseName, fixture, backend, "float16 activations");
    }

    /// <summary>
    /// Every shared case again with the packed f16vec2 GEMMs (VulkanOptions.HalfArithmetic, with the GPU-shaped kernels
    /// they live in, forced so that lavapipe runs them) at the same tolerance: one backend for all cases. The
    /// ELECTRA-small-shaped model (4 × 128 through 12 layers) is left to the manual run BENCHMARKS.md records: its GPU-shaped
    /// forward with float16 emulated by lavapipe takes most of a minute.
    /// </summary>
    [VulkanFact]
    public void Every_case_matches_transformers_with_packed_half_arithmetic()
    {
        using var backend = VulkanBackend.Create(new VulkanOptions
        {
            UseFloat16Weights = true, HalfArithmetic = true, CpuShapedKernels = false, EnableValidation = true,
            PipelineCacheDirectory = VulkanFixture.TestCacheDirectory,
        });
        if (!backend.HalfArithmetic) return;   // no float16 activations: PrecisionChoiceTests
        foreach (var caseName in SharedData.CaseNames().Where(n => n != "models/electra-small-random"))
            Check(caseName, FixtureCase.Load(SharedData.CaseFolder(caseName)), backend, "packed float16 arithmetic");
    }

    private void Check(string caseName, FixtureCase fixture, VulkanBackend backend, string mode)
    {
        var model = ElectraPretrained.Load(fixture.Folder, backend);
        var result = model.Forward(fixture.Inputs(), ForwardOptions.Everything);
        string headClass = JsonDocument.Parse(File.ReadAllText(Path.Combine(fixture.Folder, "case.json"))).RootElement.GetProperty("class").GetString()!;
        string? last = null;
        foreach (var (name, expected) in fixture.Reference().OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var actual = result.Tensors[name];
            string what = $"{caseName}/{name} ({mode})";
            if (name.StartsWith("attentions.", StringComparison.Ordinal))
            {
                output.WriteLine($"{what}: max abs {Float16Tolerance.MaxAbs(expected.Span, actual.Span):E2}");
                TensorAssert.Close(what, expected, actual, Float16Tolerance.AttentionAbs, 0);
                continue;
            }
            output.WriteLine($"{what}: max |a - r| / (1 + |r|) {Float16Tolerance.Scaled(expected.Span, actual.Span):E2}");
            TensorAssert.Close(what, expected, actual, Float16Tolerance.Abs, Float16Tolerance.Rel);
            if (name.EndsWith("logits", StringComparison.Ordinal) && Classifies(headClass, caseName))
                Float16Tolerance.ArgMaxAgrees(what, expected.Span, actual.Span, expected.Shape[^1]);
            if (name.StartsWith("hidden_states.", StringComparison.Ordinal) &&
                (last == null || int.Parse(name["hidden_states.".Length..]) > int.Parse(last["hidden_states.".Length..])))
                last = name;
        }
        if (last != null)
        {
            double cosine = Float16Tolerance.MinPooledCosine(fixture.Reference()[last], result.Tensors[last]);
            output.WriteLine($"{caseName}/{last} mean-pooled: min cosine {cosine:F7}");
            Assert.True(cosine >= Float16Tolerance.MinCosine, $"{caseName}/{last}: pooled cosine {cosine:F7} < {Float16Tolerance.MinCosine}");
        }
        Assert.Empty(backend.ValidationMessages);
    }

    /// <summary>
    /// Flash attention (no attention probabilities asked for) and both kernel families: the CPU-shaped ones lavapipe
    /// gets by default and the GPU-shaped ones (forced), on float16 activations, hidden states and logits at the same
    /// tolerance.
    /// </summary>
    [VulkanTheory]
    [InlineData("pretraining_loss_silu", false)]
    [InlineData("pretraining_loss_silu", true)]
    [InlineData("model_proj_gelu", false)]
    [InlineData("mc_mean_gelu", true)]
    public void Flash_attention_and_both_kernel_families_with_float16_activations(string caseName, bool gpuShaped)
    {
        var fixture = FixtureCase.Load(SharedData.CaseFolder(caseName));
        using var backend = VulkanBackend.Create(new VulkanOptions { UseFloat16Weights = true, EnableValidation = true, PipelineCacheDirectory = VulkanFixture.TestCacheDirectory });
        if (backend.ActivationPrecision != ActivationPrecision.Float16) return;
        if (gpuShaped) backend.Catalog.CpuShapedKernels = false;
        var model = ElectraPretrained.Load(fixture.Folder, backend);
        var result = model.Forward(fixture.Inputs(), new ForwardOptions(OutputHiddenStates: true));
        foreach (var (name, expected) in fixture.Reference().Where(kv => !kv.Key.StartsWith("attentions.", StringComparison.Ordinal)))
        {
            string what = $"{caseName}/{name} (float16 activations, {(gpuShaped ? "GPU" : "CPU")}-shaped kernels, flash attention)";
            output.WriteLine($"{what}: max |a - r| / (1 + |r|) {Float16Tolerance.Scaled(expected.Span, result.Tensors[name].Span):E2}");
            TensorAssert.Close(what, expected, result.Tensors[name], Float16Tolerance.Abs, Float16Tolerance.Rel);
        }
        Assert.Empty(backend.ValidationMessages);
    }

    /// <summary>Heads whose logits pick a class (regression and multi-label scores do not).</summary>
    private static bool Classifies(string headClass, string caseName) =>
        headClass is not "ElectraModel" && !caseName.Contains("regression", StringComparison.Ordinal) &&
        !caseName.Contains("multi_label", StringComparison.Ordinal);
}
