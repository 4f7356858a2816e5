using Electra.Cli;
using Electra.Core.Checkpoints;
using Electra.Tests.Support;

namespace Electra.Tests.Cli;

/// <summary>`electra forward`: writes transformers' outputs; bad input exits non-zero with one line and no file.</summary>
public sealed class ForwardCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("electra-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CommandLine.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void WritesEveryReferenceOutputWithinTolerance()
    {
        var fixture = FixtureCase.Load("qa_positions");
        var outPath = Path.Combine(_dir, "out.safetensors");
        var (code, stdout, stderr) = Run("forward", "--model", fixture.Folder, "--inputs", Path.Combine(fixture.Folder, "inputs.json"), "--out", outPath);
        Assert.True(code == 0, stderr);
        Assert.Contains("ElectraForQuestionAnswering", stdout);
        using var written = SafetensorsFile.Open(outPath);
        foreach (var (name, expected) in fixture.Reference())
            TensorAssert.Close(name, expected, written.ReadFloat32(name), fixture.Abs, fixture.Rel);
    }

    [Fact]
    public void HeadOptionOverridesArchitectures()
    {
        var folder = SharedData.Fixture("pretraining_gelu");
        var outPath = Path.Combine(_dir, "base.safetensors");
        var (code, _, stderr) = Run("forward", "--model", folder, "--inputs", Path.Combine(folder, "inputs.json"), "--out", outPath, "--head", "ElectraModel");
        Assert.True(code == 0, stderr);
        using var written = SafetensorsFile.Open(outPath);
        Assert.True(written.Contains("last_hidden_state"));
        Assert.False(written.Contains("logits"));
    }

    [Fact]
    public void OutOfVocabularyIdFailsWithOneLineAndNoOutputFile()
    {
        var folder = SharedData.Fixture("pretraining_gelu");
        var inputs = Path.Combine(_dir, "bad.json");
        File.WriteAllText(inputs, """{"input_ids": [[101, 5, 999999]], "attention_mask": [[1, 1, 1]], "token_type_ids": [[0, 0, 0]]}""");
        var outPath = Path.Combine(_dir, "never.safetensors");
        var (code, _, stderr) = Run("forward", "--model", folder, "--inputs", inputs, "--out", outPath);
        Assert.Equal(1, code);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.Contains("row 0, token 2", stderr);
        Assert.False(File.Exists(outPath));
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
    }

    [Theory]
    [InlineData("no-such-folder", "does not exist")]
    public void MissingModelIsAnError(string model, string expected)
    {
        var folder = SharedData.Fixture("pretraining_gelu");
        var (code, _, stderr) = Run("forward", "--model", model, "--inputs", Path.Combine(folder, "inputs.json"), "--out", Path.Combine(_dir, "x.safetensors"));
        Assert.Equal(1, code);
        Assert.Contains(expected, stderr);
    }

    [Fact]
    public void UnknownOptionIsAUsageError()
    {
        var (code, _, stderr) = Run("forward", "--model", "m", "--inputs", "i", "--out", "o", "--colour", "blue");
        Assert.Equal(2, code);
        Assert.Contains("--colour", stderr);
    }

    [Fact]
    public void RaggedInputsNameTheKey()
    {
        var folder = SharedData.Fixture("pretraining_gelu");
        var inputs = Path.Combine(_dir, "ragged.json");
        File.WriteAllText(inputs, """{"input_ids": [[101, 5, 6], [101, 7]]}""");
        var (code, _, stderr) = Run("forward", "--model", folder, "--inputs", inputs, "--out", Path.Combine(_dir, "x.safetensors"));
        Assert.Equal(1, code);
        Assert.Contains("input_ids", stderr);
        Assert.Contains("ragged", stderr);
    }
}
