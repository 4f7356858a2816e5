using Electra.Cli;
using Electra.Cli.Commands;
using Electra.Tests.Support;
using static Electra.Tests.Support.CliRun;
using Electra.Tests.Validation;

namespace Electra.Tests.Cli;

/// <summary>`electra validate`: exit 0 only when every tensor is within tolerance; failures name tensor and layer.</summary>
public class ValidateCommandTests
{

    [Fact]
    public void PassingFixturePrintsEveryLayerAndExitsZero()
    {
        var folder = SharedData.Fixture("pretraining_loss_silu");
        var (code, stdout, stderr) = Run("validate", "--model", folder, "--reference", folder);
        Assert.True(code == 0, stdout + stderr);
        foreach (var expected in new[] { "layer 0 (embeddings)", "layer 3 (encoder.layer.2)", "head", "attentions.2", "loss", "PASS" })
            Assert.Contains(expected, stdout);
    }

    [Fact]
    public void ShippedDiscriminatorMatchesItsReference()
    {
        var (code, stdout, _) = Run("validate", "--model", Path.Combine(SharedData.RepoRoot, "models", "electra-tiny-rtd", "discriminator"),
            "--reference", Path.Combine(SharedData.Models, "electra-tiny-rtd", "discriminator"));
        Assert.True(code == 0, stdout);
    }

    [Fact]
    public void PerturbedReferenceExitsNonZeroNamingTensorAndLayer()
    {
        using var copy = new PerturbedReference("model_proj_gelu");
        copy.Shift("hidden_states.1", 40, 1e-2f);
        var (code, stdout, _) = Run("validate", "--reference", copy.Folder);
        Assert.Equal(ValidateCommand.OutOfTolerance, code);
        var verdict = stdout.Trim().Split('\n')[^1];
        Assert.StartsWith("FAIL", verdict);
        Assert.Contains("layer 1 (encoder.layer.0): hidden_states.1", verdict);
    }

    [Fact]
    public void JsonReportNamesTheFirstDivergingLayer()
    {
        using var copy = new PerturbedReference("model_proj_gelu");
        copy.Shift("hidden_states.1", 40, 1e-2f);
        var jsonPath = Path.Combine(copy.Folder, "report.json");
        var (code, _, _) = Run("validate", "--reference", copy.Folder, "--json", jsonPath);
        Assert.Equal(ValidateCommand.OutOfTolerance, code);
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(jsonPath));
        var root = doc.RootElement;
        Assert.False(root.GetProperty("passed").GetBoolean());
        Assert.Equal(1, root.GetProperty("first_diverging_layer").GetProperty("layer").GetInt32());
        Assert.Equal("hidden_states.1", root.GetProperty("first_diverging_layer").GetProperty("tensor").GetString());
        var tensor = root.GetProperty("tensors").EnumerateArray().Single(t => t.GetProperty("name").GetString() == "hidden_states.1");
        Assert.Equal(40, tensor.GetProperty("first_failure").GetProperty("flat_index").GetInt64());
        Assert.Equal(1, tensor.GetProperty("failing_count").GetInt64());
    }

    [Fact]
    public void LooseExplicitToleranceAcceptsThePerturbation()
    {
        using var copy = new PerturbedReference("model_proj_gelu");
        copy.Shift("hidden_states.1", 40, 1e-2f);
        var (code, stdout, _) = Run("validate", "--reference", copy.Folder, "--abs", "0.05", "--rel", "0");
        Assert.True(code == 0, stdout);
        Assert.Contains("(explicit)", stdout);
    }

    [Fact]
    public void MissingReferenceFolderIsOneLineError()
    {
        var (code, _, stderr) = Run("validate", "--reference", "no-such-reference");
        Assert.Equal(1, code);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.Contains("no-such-reference", stderr);
    }

    [Fact]
    public void MalformedCaseJsonNamesTheField()
    {
        using var copy = new PerturbedReference("model_proj_gelu");
        copy.WriteFile("case.json", """{"class": "ElectraModel", "tolerance": {"abs": "tiny", "rel": 0.0001}}""");
        var (code, _, stderr) = Run("validate", "--reference", copy.Folder);
        Assert.Equal(1, code);
        Assert.Contains("tolerance.abs", stderr);
    }

    [Theory]
    [InlineData("--abs", "0.1")]
    [InlineData("--abs", "-1", "--rel", "0")]
    [InlineData("--abs", "x", "--rel", "0")]
    public void BadToleranceOptionsAreUsageErrors(params string[] options)
    {
        var (code, _, stderr) = Run(["validate", "--reference", SharedData.Fixture("model_proj_gelu"), .. options]);
        Assert.Equal(2, code);
        Assert.Contains("--", stderr);
    }
}
