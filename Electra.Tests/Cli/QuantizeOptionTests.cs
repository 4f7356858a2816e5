using System.Text.Json;
using Electra.Cli;
using Electra.Core.Checkpoints;
using Electra.Tests.Support;

namespace Electra.Tests.Cli;

/// <summary>--quantize int8 (every model-loading command has it through the shared model options).</summary>
public sealed class QuantizeOptionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("electra-quantize-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void ForwardInInt8IsCloseToFloat32ButNotEqual()
    {
        var folder = SharedData.Fixture("seqcls_single_label_3");
        var inputs = Path.Combine(folder, "inputs.json");
        string f32 = Path.Combine(_dir, "f32.safetensors"), int8 = Path.Combine(_dir, "int8.safetensors");
        Assert.Equal(0, CommandLine.Run(["forward", "--model", folder, "--inputs", inputs, "--out", f32], TextWriter.Null, TextWriter.Null));
        var err = new StringWriter();
        Assert.True(CommandLine.Run(["forward", "--model", folder, "--inputs", inputs, "--out", int8, "--quantize", "int8"], TextWriter.Null, err) == 0, err.ToString());
        using var a = SafetensorsFile.Open(f32);
        using var b = SafetensorsFile.Open(int8);
        var expected = a.ReadFloat32("logits").ToArray();
        var actual = b.ReadFloat32("logits").ToArray();
        double maxAbs = expected.Zip(actual, (x, y) => Math.Abs(x - y)).Max(), peak = expected.Max(Math.Abs);
        Assert.True(maxAbs > 0, "--quantize int8 changed nothing");
        Assert.True(maxAbs <= 0.12 * peak, $"int8 logits differ by {maxAbs} (max |logit| {peak})");
    }

    [Theory]
    [InlineData("--quantize", "int4")]
    [InlineData("--quantize", "int8", "--backend", "vulkan")]
    public void UnsupportedQuantizationsAreUsageErrors(params string[] extra)
    {
        var folder = SharedData.Fixture("seqcls_single_label_3");
        var err = new StringWriter();
        int code = CommandLine.Run(["forward", "--model", folder, "--inputs", Path.Combine(folder, "inputs.json"),
            "--out", Path.Combine(_dir, "never.safetensors"), .. extra], TextWriter.Null, err);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--quantize", err.ToString());
        Assert.False(File.Exists(Path.Combine(_dir, "never.safetensors")));
    }

    [Fact]
    public void BenchReportsTheInt8Backend()
    {
        var model = Path.Combine(SharedData.RepoRoot, "models", "electra-tiny-rtd", "discriminator");
        var stdout = new StringWriter();
        int code = CommandLine.Run(["bench", "--model", model, "--threads", "2", "--batch", "1", "--seq", "16", "--warmup", "1",
            "--iterations", "2", "--quantize", "int8", "--json"], stdout, TextWriter.Null);
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(stdout.ToString().Trim());
        Assert.Equal("cpu-int8", doc.RootElement.GetProperty("backend").GetString());
    }
}
