using Electra.Models;
using Electra.Models.Validation;
using Electra.Tests.Support;

namespace Electra.Tests.Validation;

/// <summary>
/// The validator passes on every transformers reference and fails, naming the tensor and layer, on perturbed copies.
/// </summary>
public class ReferenceValidatorTests
{
    public static TheoryData<string> Cases() => new(SharedData.CaseNames());

    public static TheoryData<string> Backends() => new(TestBackends.Names);

    private static ValidationReport Validate(string folder, Tolerance? tolerance = null, string backendName = "cpu")
    {
        using var backend = TestBackends.Create(backendName);
        var reference = ReferenceCase.Load(folder);
        var model = ElectraPretrained.Load(folder, backend, ElectraArchitectures.Parse(reference.ClassName!));
        var report = ReferenceValidator.Validate(model, reference, tolerance);
        TestBackends.AssertClean(backend);
        return report;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void PassesOnEverySharedReference(string caseName)
    {
        var report = Validate(SharedData.CaseFolder(caseName));
        Assert.True(report.Passed, ValidationReportText.Verdict(report));
        Assert.Null(report.FirstDivergingLayer);
        using var file = Electra.Core.Checkpoints.SafetensorsFile.Open(Path.Combine(SharedData.CaseFolder(caseName), "reference.safetensors"));
        Assert.Equal(file.Keys.Order(StringComparer.Ordinal), report.Tensors.Select(t => t.Name).Order(StringComparer.Ordinal));
        Assert.All(report.Tensors, t => Assert.InRange(t.ToleranceUsed, 0, 1));
    }

    [Fact]
    public void PerturbedHiddenStateFailsAtThatTensorAndLayer()
    {
        using var copy = new PerturbedReference("seqcls_single_label_3");
        int flat = (1 * 11 + 4) * 32 + 7;
        copy.Shift("hidden_states.1", flat, 1e-2f);
        var report = Validate(copy.Folder);

        Assert.False(report.Passed);
        Assert.Equal(1, report.FirstDivergingLayer!.Stage.Index);
        Assert.Equal("encoder.layer.0", report.FirstDivergingLayer.Stage.ModuleName);
        var failure = report.FirstFailure!;
        Assert.Equal("hidden_states.1", failure.Name);
        Assert.Equal(ComparisonStatus.OutOfTolerance, failure.Status);
        Assert.Equal(1, failure.FailingCount);
        Assert.Equal(flat, failure.FirstFailure!.FlatIndex);
        Assert.Equal(new[] { 1, 4, 7 }, failure.FirstFailure.Position.ToArray());
        Assert.InRange(failure.MaxAbsError, 0.99e-2, 1.01e-2);
        Assert.Single(report.Failures);
        Assert.True(report.Layers[0].Passed);
        Assert.Contains("first divergence at layer 1 (encoder.layer.0): hidden_states.1", ValidationReportText.Verdict(report));
        Assert.Contains("[1, 4, 7]", ValidationReportText.Verdict(report));
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void PerturbedAttentionFailsOnEveryBackend(string backendName)
    {
        using var copy = new PerturbedReference("maskedlm_long_relu");
        int flat = ((1 * 4 + 2) * 40 + 5) * 40 + 9;
        copy.Shift("attentions.2", flat, 5e-3f);
        var report = Validate(copy.Folder, backendName: backendName);

        Assert.False(report.Passed);
        Assert.Equal("layer 3 (encoder.layer.2)", report.FirstDivergingLayer!.Stage.ToString());
        Assert.Equal("attentions.2", report.FirstFailure!.Name);
        Assert.Equal(new[] { 1, 2, 5, 9 }, report.FirstFailure.FirstFailure!.Position.ToArray());
        Assert.Contains(backendName, report.Context["backend"]);
    }

    [Fact]
    public void PerturbedLogitsFailInTheHeadOnly()
    {
        using var copy = new PerturbedReference("tokencls_silu");
        copy.Shift("logits", 17, -3e-3f);
        var report = Validate(copy.Folder);

        Assert.False(report.Passed);
        Assert.True(report.FirstDivergingLayer!.Stage.IsHead);
        Assert.Equal("logits", report.FirstFailure!.Name);
        Assert.Equal(17, report.FirstFailure.FirstFailure!.FlatIndex);
        Assert.All(report.Layers.Where(l => !l.Stage.IsHead), l => Assert.True(l.Passed));
    }

    [Fact]
    public void ShiftWithinToleranceStillPasses()
    {
        using var copy = new PerturbedReference("seqcls_single_label_3");
        copy.Shift("logits", 0, 2e-5f);
        Assert.True(Validate(copy.Folder).Passed);
    }

    [Fact]
    public void RemovedOutputIsReportedMissing()
    {
        using var copy = new PerturbedReference("qa_positions");
        copy.Replace("made_up_output", Electra.Core.Tensors.HostTensor.Create([1f, 2f], 2));
        var report = Validate(copy.Folder);

        Assert.False(report.Passed);
        var missing = report["made_up_output"];
        Assert.Equal(ComparisonStatus.Missing, missing.Status);
        Assert.Equal("made_up_output", report.FirstFailure!.Name);
        Assert.Contains("missing", ValidationReportText.Verdict(report));
    }

    [Fact]
    public void WrongShapeIsReported()
    {
        using var copy = new PerturbedReference("pretraining_gelu");
        copy.Replace("logits", copy.Tensors["logits"].Reshape(12, 2));
        var report = Validate(copy.Folder);

        var logits = report["logits"];
        Assert.Equal(ComparisonStatus.ShapeMismatch, logits.Status);
        Assert.Equal(new[] { 12, 2 }, logits.ReferenceShape.ToArray());
        Assert.Equal(new[] { 2, 12 }, logits.ActualShape.ToArray());
        Assert.Contains("shape [2, 12], reference [12, 2]", ValidationReportText.Verdict(report));
    }

    [Fact]
    public void ExplicitToleranceOverridesCaseJson()
    {
        using var copy = new PerturbedReference("seqcls_single_label_3");
        copy.Shift("hidden_states.2", 3, 1e-2f);
        Assert.True(Validate(copy.Folder, new Tolerance(2e-2, 0)).Passed);
        // No float32 implementation with another summation order reproduces every value bit for bit.
        Assert.False(Validate(SharedData.Fixture("seqcls_single_label_3"), new Tolerance(0, 0)).Passed);
    }

    [Fact]
    public void ToleranceComesFromCaseJsonAndDefaultsWithoutIt()
    {
        using var copy = new PerturbedReference("seqcls_single_label_3");
        copy.WriteFile("case.json", """{"class": "ElectraForSequenceClassification", "tolerance": {"abs": 0.5, "rel": 0}}""");
        Assert.Equal(new Tolerance(0.5, 0), ReferenceCase.Load(copy.Folder).Tolerance);
        File.Delete(Path.Combine(copy.Folder, "case.json"));
        var loaded = ReferenceCase.Load(copy.Folder);
        Assert.Equal(Tolerance.Default, loaded.Tolerance);
        Assert.Equal("default", loaded.ToleranceSource);
        Assert.Null(loaded.ClassName);
    }
}
