using System.Text.Json;
using Electra.Cli;
using Electra.Tests.Hardening;

namespace Electra.Tests.Cli;

/// <summary>
/// A pipeline command (`electra detect`, on the shipped demo discriminator) on JSON lines with a bad line in the
/// middle: the results before it are written and valid, the error names the line, the exit code is 1.
/// </summary>
public sealed class PipelineJsonlTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("electra-pipeline-jsonl-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("{\"text\": oops}", "invalid JSON")]
    [InlineData("{\"txt\": \"typo\"}", "\"text\" must be a string")]
    // A lone surrogate escape made JsonElement.GetString throw InvalidOperationException out of the CLI.
    [InlineData("{\"text\": \"\\ud800\"}", "not valid Unicode")]
    public void BadLineInTheMiddleKeepsEarlierResultsAndNamesTheLine(string bad, string expected)
    {
        var input = Path.Combine(_dir, "in.jsonl");
        File.WriteAllLines(input, ["{\"text\": \"the chef cooked the meal\"}", "{\"text\": \"a second line\"}", bad, "{\"text\": \"never reached\"}"]);
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CommandLine.Run(["detect", "--input", input, "--json", "--batch-size", "1"], stdout, stderr);
        Assert.Equal(1, code);
        Assert.Contains($"{input} line 3", stderr.ToString());
        Assert.Contains(expected, stderr.ToString());
        var lines = stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["the chef cooked the meal", "a second line"], lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("text").GetString()!).ToArray());
    }
}
