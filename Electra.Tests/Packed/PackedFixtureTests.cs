using Electra.Models;
using Electra.Tests.Support;

namespace Electra.Tests.Packed;

/// <summary>
/// Every shared fixture whose batch has padding, run with <see cref="ForwardOptions.SkipPadding"/>: the transformers
/// reference must hold at every real position (and for per-row outputs, everywhere), padded per-token positions are 0.
/// </summary>
public class PackedFixtureTests
{
    public static TheoryData<string, string> PaddedCases()
    {
        var data = new TheoryData<string, string>();
        foreach (var backend in TestBackends.Names)
            foreach (var name in SharedData.CaseNames())
            {
                if (backend == "vulkan" && name.StartsWith("models/", StringComparison.Ordinal)) continue;   // minutes on lavapipe
                if (Mask(FixtureCase.Load(name)).Contains(0)) data.Add(name, backend);
            }
        return data;
    }

    private static int[] Mask(FixtureCase fixture) => fixture.Inputs().AttentionMask?.Span.ToArray() ?? [];

    [Theory]
    [MemberData(nameof(PaddedCases))]
    public void MatchesTransformersAtRealPositions(string caseName, string backendName)
    {
        var fixture = FixtureCase.Load(caseName);
        using var backend = new CountingBackend(TestBackends.Create(backendName));
        var model = ElectraPretrained.Load(fixture.Folder, backend);
        var mask = Mask(fixture);
        var output = model.Forward(PackedOutputs.WithoutLabels(fixture.Inputs()), ForwardOptions.RealTokensOnly);

        bool meanSummary = model.Architecture == ElectraArchitecture.ElectraForMultipleChoice && model.Config.SummaryType == "mean";
        if (meanSummary) Assert.Equal(0, backend.PackedAttentions);   // mean pools padding too: the padded path runs
        // Per-token heads always skip; a per-row head skips unless every padded row is read at a padding position.
        if (PackedOutputs.IsPerToken(model.Architecture)) Assert.Equal(0, backend.PaddedAttentions);
        foreach (var (name, expected) in fixture.Reference().Where(kv => PackedOutputs.IsHeadOutput(kv.Key)))
        {
            var actual = output[name];
            Assert.Equal(expected.Shape.ToArray(), actual.Shape.ToArray());
            if (PackedOutputs.IsPerToken(model.Architecture) && !meanSummary)
            {
                TensorAssert.Close($"{caseName}/{name} real positions", PackedOutputs.AtMask(expected, mask, 1),
                    PackedOutputs.AtMask(actual, mask, 1), fixture.Abs, fixture.Rel);
                Assert.All(PackedOutputs.AtMask(actual, mask, 0), v => Assert.Equal(0f, v));
            }
            else
            {
                TensorAssert.Close($"{caseName}/{name}", expected, actual, fixture.Abs, fixture.Rel);
            }
        }
        TestBackends.AssertClean(backend.Inner);
    }
}
