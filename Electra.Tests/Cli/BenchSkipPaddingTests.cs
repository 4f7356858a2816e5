using System.Text.Json;
using Electra.Cli;
using Electra.Tests.Packed;

namespace Electra.Tests.Cli;

/// <summary><c>electra bench</c> skips the padding when there is some, unless told not to, and says so.</summary>
public class BenchSkipPaddingTests
{
    [Theory]
    [InlineData("0.25", false, true)]
    [InlineData("0.25", true, false)]
    [InlineData("0", false, false)]
    public void ReportsWhetherPaddingWasSkipped(string padRatio, bool noSkip, bool expected)
    {
        var model = Path.Combine(Support.SharedData.RepoRoot, "models", "electra-tiny-rtd", "discriminator");
        var stdout = new StringWriter();
        string[] args = ["--model", model, "--threads", "2", "--batch", "4", "--seq", "16", "--warmup", "0", "--iterations", "1",
            "--pad-ratio", padRatio, "--json", .. noSkip ? new[] { "--no-skip-padding" } : []];
        Assert.Equal(0, CommandLine.Run(["bench", .. args], stdout, TextWriter.Null));
        using var doc = JsonDocument.Parse(stdout.ToString().Trim());
        Assert.Equal(expected, doc.RootElement.GetProperty("skip_padding").GetBoolean());
        Assert.True(doc.RootElement.GetProperty("real_tokens").GetInt32() > 0);
    }
}
