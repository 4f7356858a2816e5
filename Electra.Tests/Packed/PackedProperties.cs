using Electra.Core.Errors;
using Electra.Cpu;
using Electra.Models;
using Electra.Tests.Support;
using Electra.Tests.Vulkan;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Electra.Tests.Packed;

/// <summary>SkipPadding on ≡ off at every real position, for every head, on the CPU.</summary>
public class PackedCpuProperties
{
    [Property(MaxTest = 60)]
    public Property SkippingPaddingChangesNoRealPosition() =>
        Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), seed =>
        {
            using var backend = new CpuBackend();
            return PackedEquivalence.Check(backend, seed) is not { } problem ? true.ToProperty() : false.Label(problem);
        });

    [Fact]
    public void PaddedTokenPositionsAreZeroAndRealOnesAreNot()
    {
        using var backend = new CountingBackend(new CpuBackend());
        var rng = new Random(7);
        var config = RandomModels.Config(rng);
        var model = RandomModels.Model(config, ElectraArchitecture.ElectraForTokenClassification, rng, backend);
        var output = model.Forward(ModelInputs.FromIds([[5, 6, 7, 8], [5, 6, 0, 0], [0, 0, 0, 0]],
            [[1, 1, 1, 1], [1, 0, 1, 0], [0, 0, 0, 0]]), ForwardOptions.RealTokensOnly);
        var logits = output.Logits!;
        Assert.Equal([3, 4, config.NumLabels], logits.Shape.ToArray());
        int[] real = [1, 1, 1, 1, 1, 0, 1, 0, 0, 0, 0, 0];
        for (int p = 0; p < real.Length; p++)
        {
            var values = logits.Span.Slice(p * config.NumLabels, config.NumLabels).ToArray();
            if (real[p] == 0) Assert.All(values, v => Assert.Equal(0f, v));
            else Assert.Contains(values, v => v != 0f);
        }
        Assert.True(backend.PackedAttentions > 0);
        Assert.Equal(0, backend.PaddedAttentions);
    }

    [Fact]
    public void RowsWhosePooledTokenIsPaddingAreComputedWholeAndStayExact()
    {
        using var backend = new CountingBackend(new CpuBackend());
        var rng = new Random(3);
        var config = RandomModels.Config(rng);
        var model = RandomModels.Model(config, ElectraArchitecture.ElectraForSequenceClassification, rng, backend);
        var inputs = ModelInputs.FromIds([[5, 6, 7, 8], [0, 6, 7, 0], [0, 0, 0, 0]], [[1, 1, 0, 0], [0, 1, 1, 0], [0, 0, 0, 0]]);
        var padded = model.Forward(inputs).Logits!;
        backend.PaddedAttentions = 0;
        var skipped = model.Forward(inputs, ForwardOptions.RealTokensOnly).Logits!;
        Assert.Equal(0, backend.PaddedAttentions);
        TensorAssert.Close("logits", padded, skipped, 1e-6, 1e-6);
    }

    [Fact]
    public void FallsBackToThePaddedPathWhenItCannotSkipExactly()
    {
        using var backend = new CountingBackend(new CpuBackend());
        var rng = new Random(11);
        var config = RandomModels.Config(rng);
        var model = RandomModels.Model(config, ElectraArchitecture.ElectraForTokenClassification, rng, backend);
        var inputs = ModelInputs.FromIds([[5, 6, 7], [5, 6, 0]], [[1, 1, 1], [1, 1, 0]]);
        var skip = ForwardOptions.RealTokensOnly;
        foreach (var (options, given) in new[]
                 {
                     (skip with { OutputHiddenStates = true }, inputs),
                     (skip with { OutputAttentions = true }, inputs),
                     (skip, inputs with { Labels = HostIntTensorOf([[1, 0, 1], [0, 1, -100]]) }),
                     (skip, ModelInputs.FromIds([[5, 6, 7]], [[1, 1, 1]])),
                 })
        {
            backend.PaddedAttentions = backend.PackedAttentions = 0;
            var output = model.Forward(given, options);
            Assert.Equal(0, backend.PackedAttentions);
            Assert.True(backend.PaddedAttentions > 0);
            if (given.AttentionMask!.Span.Contains(0))
                Assert.Contains(output.Logits!.Span.ToArray()[^config.NumLabels..], v => v != 0f);   // padded position computed
        }
    }

    private static Electra.Core.Tensors.HostIntTensor HostIntTensorOf(int[][] rows) => ModelInputs.Rows(rows, "labels");

    [Fact]
    public void AttentionSegmentsRejectsOffsetsThatDoNotCoverTheRows()
    {
        using var backend = new CpuBackend();
        using var pass = backend.BeginPass();
        var x = pass.Upload(new float[8], [4, 2]);
        var mask = pass.Upload(new float[4], [4]);
        var e = Assert.Throws<InputException>(() => pass.AttentionSegments(x, x, x, mask, [0, 3], 1, false));
        Assert.Contains("end at T = 4", e.Message);
        e = Assert.Throws<InputException>(() => pass.AttentionSegments(x, x, x, mask, [0, 3, 2, 4], 1, false));
        Assert.Contains("below the previous", e.Message);
        e = Assert.Throws<InputException>(() => pass.AttentionSegments(x, x, x, pass.Upload(new float[3], [3]), [0, 4], 1, false));
        Assert.Contains("keyMask must be [4]", e.Message);
    }
}

/// <summary>SkipPadding on ≡ off at every real position, for every head, on Vulkan (lavapipe under validation).</summary>
[Collection("Vulkan")]
public sealed class PackedVulkanProperties(VulkanFixture fixture)
{
    [VulkanProperty(MaxTest = 25)]
    public Property SkippingPaddingChangesNoRealPosition() =>
        Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), seed =>
        {
            var problem = PackedEquivalence.Check(fixture.Backend, seed);
            fixture.AssertNoValidationMessages();
            return problem is null ? true.ToProperty() : false.Label(problem);
        });
}
