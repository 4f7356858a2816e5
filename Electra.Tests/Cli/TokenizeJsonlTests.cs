using System.Text.Json;
using Electra.Cli;
using Electra.Tests.Support;
using Electra.Tests.Hardening;

namespace Electra.Tests.Cli;

/// <summary>
/// `electra tokenize` on JSON lines with a bad line in the middle: the lines before it are written and valid, the
/// error names the line and the exit code is 1; with --skip-errors every good line is written and the count reported.
/// </summary>
public sealed class TokenizeJsonlTests
{
    private static readonly string Model = Path.Combine(SharedData.RepoRoot, "models", "electra-tiny-rtd", "discriminator");

    private const string Good1 = """{"text": "Hello world"}""";
    private const string Good2 = """{"text": "The quick brown fox", "text_pair": "jumps"}""";
    private const string Good3 = """{"text": "last line"}""";

    private static (int Code, string[] Lines, string Err) Run(string input, params string[] extra)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CommandLine.Run(["tokenize", "--model", Model, .. extra], stdout, stderr, new StringReader(input));
        return (code, stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries), stderr.ToString());
    }

    private static string[] Ids(string[] lines) =>
        lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("input_ids").GetRawText()).ToArray();

    public static TheoryData<string, string> BadLines() => new()
    {
        { "{\"text\": \"unterminated", "invalid JSON" },
        { "[1, 2]", "expected a JSON object" },
        { "{\"txt\": \"typo\"}", "\"text\" must be a string" },
        { "{\"text\": 5}", "\"text\" must be a string" },
        { "{\"text\": \"a\", \"text_pair\": 3}", "\"text_pair\" must be a string or null" },
        { "{\"text\": \"\\ud800\"}", "not valid Unicode" },
    };

    [Theory]
    [MemberData(nameof(BadLines))]
    public void BadLineStopsTheRunAfterWritingTheLinesBeforeIt(string bad, string expected)
    {
        var clean = Run(string.Join("\n", Good1, Good2, Good3));
        Assert.Equal(0, clean.Code);
        var (code, lines, err) = Run(string.Join("\n", Good1, "", Good2, bad, Good3));
        Assert.Equal(1, code);
        Assert.Contains("stdin line 4", err);
        Assert.Contains(expected, err);
        Assert.Equal(Ids(clean.Lines)[..2], Ids(lines));
    }

    [Theory]
    [MemberData(nameof(BadLines))]
    public void SkipErrorsWritesEveryGoodLineAndCountsTheBadOnes(string bad, string expected)
    {
        var clean = Run(string.Join("\n", Good1, Good2, Good3));
        var (code, lines, err) = Run(string.Join("\n", bad, Good1, Good2, bad, Good3), "--skip-errors");
        Assert.Equal(0, code);
        Assert.Equal(Ids(clean.Lines), Ids(lines));
        Assert.Contains("stdin line 1", err);
        Assert.Contains("stdin line 4", err);
        Assert.Contains(expected, err);
        Assert.Contains("skipped 2 bad line(s)", err);
    }

    [Fact]
    public void PaddingLongestStillNamesTheBadLine()
    {
        var (code, _, err) = Run(string.Join("\n", Good1, "nope", Good3), "--padding", "longest");
        Assert.Equal(1, code);
        Assert.Contains("stdin line 2", err);
    }

    [Fact]
    public void InputFileErrorsNameTheFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"electra-jsonl-{Guid.NewGuid():N}.jsonl");
        File.WriteAllText(path, Good1 + "\n{bad\n");
        try
        {
            var (code, lines, err) = Run("", "--input", path);
            Assert.Equal(1, code);
            Assert.Single(lines);
            Assert.Contains($"{path} line 2", err);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
