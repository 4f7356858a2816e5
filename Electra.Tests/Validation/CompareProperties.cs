using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Electra.Core.Tensors;
using Electra.Models.Validation;
using Electra.Tests.Support;

namespace Electra.Tests.Validation;

/// <summary>Invariants of the element-wise comparison, independent of any model.</summary>
public class CompareProperties
{
    private static readonly Tolerance Tol = Tolerance.Default;

    private static (HostTensor Tensor, int Index, Random Rng) Random(int seed)
    {
        var rng = new Random(seed);
        var shape = Enumerable.Range(0, rng.Next(1, 4)).Select(_ => rng.Next(1, 6)).ToArray();
        var tensor = HostTensor.Create(RandomModels.Floats(rng, (int)TensorShape.ElementCount(shape), 3f), shape);
        return (tensor, rng.Next((int)tensor.ElementCount), rng);
    }

    private static HostTensor With(HostTensor t, int index, float value)
    {
        var values = t.ToArray();
        values[index] = value;
        return t with { Data = values };
    }

    [Property(MaxTest = 200)]
    public Property OneElementBeyondToleranceFailsExactlyThere() =>
        Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), seed =>
        {
            var (reference, index, rng) = Random(seed);
            float r = reference.Span[index];
            float off = (float)(r + (rng.Next(2) == 0 ? -1 : 1) * Tol.Allowed(r) * (1.5 + 100 * rng.NextDouble()));
            var c = ReferenceValidator.CompareTensor("x", new ValidationStage(0, "embeddings"), reference, With(reference, index, off), Tol);
            return c.Status == ComparisonStatus.OutOfTolerance && c.FailingCount == 1 && c.FirstFailure!.FlatIndex == index
                   && c.FirstFailure.Expected == r && c.FirstFailure.Actual == off && c.ToleranceUsed > 1;
        });

    [Property(MaxTest = 200)]
    public Property ShiftsWithinTolerancePass() =>
        Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), seed =>
        {
            var (reference, _, rng) = Random(seed);
            var near = reference.ToArray().Select(r => (float)(r + (2 * rng.NextDouble() - 1) * 0.9 * Tol.Allowed(r))).ToArray();
            var c = ReferenceValidator.CompareTensor("x", new ValidationStage(0, "embeddings"), reference, reference with { Data = near }, Tol);
            return c.Passed && c.FirstFailure is null && c.ToleranceUsed <= 1;
        });

    [Property(MaxTest = 100)]
    public Property PositionUnravelsTheFlatIndex() =>
        Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), seed =>
        {
            var (reference, index, _) = Random(seed);
            var c = ReferenceValidator.CompareTensor("x", new ValidationStage(0, "embeddings"), reference, With(reference, index, float.NaN), Tol);
            long flat = 0;
            for (int d = 0; d < reference.Rank; d++) flat = flat * reference.Shape[d] + c.FirstFailure!.Position[d];
            return flat == index && double.IsNaN(c.MaxAbsError);
        });

    [Fact]
    public void NaNMatchesOnlyNaN()
    {
        var stage = new ValidationStage(0, "embeddings");
        var nan = HostTensor.Create([float.NaN, 1f], 2);
        Assert.True(ReferenceValidator.CompareTensor("x", stage, nan, nan, Tol).Passed);
        Assert.False(ReferenceValidator.CompareTensor("x", stage, HostTensor.Create([0f, 1f], 2), nan, Tol).Passed);
        Assert.False(ReferenceValidator.CompareTensor("x", stage, nan, HostTensor.Create([0f, 1f], 2), Tol).Passed);
        var inf = HostTensor.Create([float.NegativeInfinity], 1);
        Assert.True(ReferenceValidator.CompareTensor("x", stage, inf, inf, Tol).Passed);
    }

    [Theory]
    [InlineData("hidden_states.0", 0, "embeddings")]
    [InlineData("hidden_states.3", 3, "encoder.layer.2")]
    [InlineData("attentions.0", 1, "encoder.layer.0")]
    [InlineData("last_hidden_state", 3, "encoder.layer.2")]
    [InlineData("logits", 4, "head")]
    [InlineData("loss", 4, "head")]
    public void StagesFollowTransformersNumbering(string name, int index, string module)
    {
        var stage = ValidationStage.Of(name, numLayers: 3);
        Assert.Equal(index, stage.Index);
        Assert.Equal(module, stage.ModuleName);
    }

    [Fact]
    public void FirstDivergingLayerIsTheEarliestInComputationOrder()
    {
        var ok = HostTensor.Create([1f], 1);
        var bad = HostTensor.Create([2f], 1);
        var reference = new Dictionary<string, HostTensor>
        {
            ["logits"] = ok, ["hidden_states.0"] = ok, ["hidden_states.1"] = ok, ["attentions.1"] = ok, ["hidden_states.2"] = ok,
        };
        var actual = new Dictionary<string, HostTensor>(reference) { ["logits"] = bad, ["hidden_states.2"] = bad, ["attentions.1"] = bad };
        var report = ReferenceValidator.Compare(reference, actual, Tol);
        Assert.Equal(2, report.FirstDivergingLayer!.Stage.Index);
        Assert.Equal("attentions.1", report.FirstFailure!.Name);
        Assert.Equal(["hidden_states.0", "hidden_states.1", "attentions.1", "hidden_states.2", "logits"], report.Tensors.Select(t => t.Name));
        Assert.Equal(3, report.Failures.Length);
    }

    [Fact]
    public void EmptyReferenceNeverPasses() =>
        Assert.False(ReferenceValidator.Compare(new Dictionary<string, HostTensor>(), new Dictionary<string, HostTensor>(), Tol).Passed);
}
