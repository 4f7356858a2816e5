using System.CommandLine;
using System.CommandLine.Invocation;
using Electra.Cli;
using Electra.Cli.Text;
using Electra.Tests.Pipelines;

namespace Electra.Tests.Cli;

/// <summary>The command line itself: help, version, usage mistakes, suggestions, completion and the detect table's columns.</summary>
public sealed class CommandLineTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CommandLine.Run(args, stdout, stderr, new StringReader(""));
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static RootCommand Tree() =>
        CommandLine.CreateRoot(new CliIO(TextReader.Null, TextWriter.Null, TextWriter.Null), new InvocationConfiguration());

    [Fact]
    public void DashHAfterACommandShowsItsHelpInsteadOfScoringIt()
    {
        var (code, stdout, _) = Run("detect", "-h");
        Assert.Equal(0, code);
        Assert.Contains("--batch-size", stdout);
        Assert.DoesNotContain("p(replaced)", stdout);
    }

    [Fact]
    public void HelpCommandPrintsTheCommandsHelp()
    {
        var viaHelp = Run("help", "detect");
        var viaOption = Run("detect", "--help");
        Assert.Equal(0, viaHelp.Code);
        Assert.Equal(viaOption.Out, viaHelp.Out);
        Assert.Contains("replaced-token detection", viaHelp.Out);
        Assert.NotEqual(Run("help").Out, viaHelp.Out);
    }

    [Fact]
    public void HelpListsTheExitCodes()
    {
        var (code, stdout, _) = Run("--help");
        Assert.Equal(0, code);
        Assert.Contains("Exit codes:", stdout);
        foreach (var (exit, _) in ExitCodes.Described) Assert.Contains($"  {exit}  ", stdout);
    }

    [Fact]
    public void EveryOptionAndArgumentIsDescribed()
    {
        foreach (var command in Tree().Subcommands)
        {
            Assert.False(string.IsNullOrWhiteSpace(command.Description), command.Name);
            foreach (var option in command.Options) Assert.False(string.IsNullOrWhiteSpace(option.Description), $"{command.Name} {option.Name}");
            foreach (var argument in command.Arguments) Assert.False(string.IsNullOrWhiteSpace(argument.Description), $"{command.Name} {argument.Name}");
        }
    }

    [Fact]
    public void VersionPrintsTheAssemblyVersion()
    {
        var (code, stdout, _) = Run("--version");
        Assert.Equal(0, code);
        Assert.StartsWith(typeof(CommandLine).Assembly.GetName().Version!.ToString(3), stdout.Trim());
    }

    [Theory]
    [InlineData("--json=yes")]
    [InlineData("--json=false")]
    [InlineData("--json:1")]
    public void ASwitchWithAValueIsAUsageError(string option)
    {
        var (code, stdout, stderr) = Run("detect", option, "a text");
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Contains($"--json is a switch and takes no value, got '{option}'", stderr);
    }

    [Theory]
    [InlineData("detect --jsn x", "unknown option '--jsn'; did you mean --json?")]
    [InlineData("detect --batch-sise 2 x", "unknown option '--batch-sise'; did you mean --batch-size?")]
    [InlineData("detec x", "unknown command 'detec'; did you mean detect?")]
    [InlineData("tokenise --vocab v", "unknown command 'tokenise'; did you mean tokenize?")]
    [InlineData("help fil-mask", "unknown command 'fil-mask'; did you mean fill-mask?")]
    public void MisspeltCommandsAndOptionsGetASuggestion(string line, string expected)
    {
        var (code, _, stderr) = Run(line.Split(' '));
        Assert.Equal(2, code);
        Assert.Contains(expected, stderr);
        Assert.Contains("usage: electra", stderr);
    }

    [Fact]
    public void TextsThatBeginWithADashFollowDoubleDash()
    {
        var (code, stdout, stderr) = Run("detect", "--json", "--model", DemoModelFixture.Discriminator, "--", "-h", "--not-an-option");
        Assert.True(code == 0, stderr);
        Assert.Equal(2, stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public void TokenizeTakesModelWithEqualsAndRevision()
    {
        var (code, stdout, stderr) = Run("tokenize", $"--model={DemoModelFixture.Discriminator}", "--revision", "main", "--input", WriteLines("""{"text": "hello world"}"""));
        Assert.True(code == 0, stderr);
        Assert.Contains("\"input_ids\":[101,7592,2088,102]", stdout);
    }

    [Fact]
    public void ValuesOutsideAChoiceAreUsageErrors()
    {
        var (code, _, stderr) = Run("detect", "--backend", "gpu", "x");
        Assert.Equal(2, code);
        Assert.Contains("--backend must be one of cpu, vulkan, got 'gpu'", stderr);
    }

    [Fact]
    public void NoCommandPrintsTheOverviewAndExitsTwo()
    {
        var (code, stdout, _) = Run();
        Assert.Equal(2, code);
        Assert.Contains("fill-mask", stdout);
    }

    [Theory]
    [InlineData("detect --js", "--json")]
    [InlineData("detect --backend ", "vulkan")]
    [InlineData("fill", "fill-mask")]
    [InlineData("help cla", "classify")]
    public void CompletionSuggestsCommandsOptionsAndValues(string line, string expected)
    {
        var (code, stdout, _) = Run($"[suggest:{line.Length}]", line);
        Assert.Equal(0, code);
        Assert.Contains(expected, stdout.Split('\n', StringSplitOptions.TrimEntries));
    }

    [Theory]
    [InlineData("bash", "complete -o default -F _electra_complete electra")]
    [InlineData("zsh", "compdef _electra_complete electra")]
    public void CompletionScriptsAskElectraForSuggestions(string shell, string registration)
    {
        var (code, stdout, _) = Run("completion", shell);
        Assert.Equal(0, code);
        Assert.Contains("[suggest:", stdout);
        Assert.Contains(registration, stdout);
    }

    [Theory]
    [InlineData("abc", 3)]
    [InlineData("東京", 4)]              // CJK ideographs: wide
    [InlineData("ｆｕｌｌ", 8)]          // fullwidth Latin
    [InlineData("한국어", 6)]            // Hangul syllables
    [InlineData("naïve", 5)]            // precomposed ï
    [InlineData("nai\u0308ve", 5)]      // i + combining diaeresis
    [InlineData("カタカナ", 8)]
    [InlineData("😀", 2)]
    [InlineData("", 0)]
    public void DisplayWidthCountsTerminalColumns(string text, int columns) => Assert.Equal(columns, DisplayWidth.Of(text));

    [Fact]
    public void DetectTableColumnsLineUpUnderCjkWords()
    {
        var (code, stdout, stderr) = Run("detect", "東京は日本の首都です fake word", "naïve café 北京");
        Assert.True(code == 0, stderr);
        var rows = stdout.Split('\n').Where(l => l.StartsWith("  ", StringComparison.Ordinal)).ToList();
        Assert.True(rows.Count >= 10, stdout);
        foreach (var block in stdout.Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            var lines = block.Split('\n').Skip(1).Where(l => l.Length > 0).ToList();
            // The column after the word ("chars" in the header, then "start-end") starts at the same display column on every
            // line; counted here without DisplayWidth: in these texts every character from U+3000 up (kana, ideographs) is wide.
            var columns = lines.Select(l => System.Text.RegularExpressions.Regex.Match(l, @"^  \S+ +").Value.Sum(c => c >= '\u3000' ? 2 : 1)).Distinct().ToList();
            Assert.True(columns.Count == 1, block);
        }
    }

    private static string WriteLines(params string[] lines)
    {
        var path = Path.GetTempFileName();
        File.WriteAllLines(path, lines);
        return path;
    }
}
