using System.Text.Json;
using Electra.Cli;
using Electra.Tests.Tokenizer;

namespace Electra.Tests.Cli;

/// <summary>`electra tokenize` end to end through CommandLine.Run.</summary>
public class TokenizeCommandTests
{
    private static (int Code, string Out, string Err) Run(string stdin, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = CommandLine.Run(["tokenize", .. args], output, error, new StringReader(stdin));
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public void Writes_one_json_line_per_input_in_order()
    {
        var vocab = TokenizerFixtures.PathOf("vocab-uncased.txt");
        var input = "{\"text\": \"Hello, World!\"}\n{\"text\": \"who?\", \"text_pair\": \"me\"}\n";
        var (code, output, error) = Run(input, "--vocab", vocab, "--padding", "longest", "--offsets");
        Assert.True(code == 0, error);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        using var first = JsonDocument.Parse(lines[0]);
        Assert.Equal(new[] { 101, 7592, 1010, 2088, 999, 102 }, first.RootElement.GetProperty("input_ids").EnumerateArray().Select(x => x.GetInt32()));
        Assert.Equal("[0,5]", first.RootElement.GetProperty("offsets")[1].GetRawText().Replace(" ", ""));
        using var second = JsonDocument.Parse(lines[1]);
        Assert.Equal(new[] { "[CLS]", "who", "?", "[SEP]", "me", "[SEP]" }, second.RootElement.GetProperty("tokens").EnumerateArray().Select(x => x.GetString()));
        Assert.Equal(new[] { 0, 0, 0, 0, 1, 1 }, second.RootElement.GetProperty("token_type_ids").EnumerateArray().Select(x => x.GetInt32()));
    }

    [Fact]
    public void Max_length_alone_truncates_longest_first_like_transformers()
    {
        var vocab = TokenizerFixtures.PathOf("vocab-uncased.txt");
        var (code, output, _) = Run("{\"text\": \"one two three four\"}", "--vocab", vocab, "--max-length", "4", "--lowercase", "true");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal(4, doc.RootElement.GetProperty("input_ids").GetArrayLength());
    }

    [Fact]
    public void Errors_are_one_line_on_stderr_with_a_nonzero_exit()
    {
        var (code, output, error) = Run("", "--vocab", "/nonexistent/vocab.txt");
        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("/nonexistent/vocab.txt", error);

        var vocab = TokenizerFixtures.PathOf("vocab-uncased.txt");
        (code, _, error) = Run("{\"text\": 5}\n", "--vocab", vocab);
        Assert.Equal(1, code);
        Assert.Contains("line 1", error);

        (code, _, error) = Run("", "--truncation", "sideways", "--vocab", vocab);
        Assert.Equal(2, code);
        Assert.Contains("--truncation", error);

        (code, _, _) = Run("");
        Assert.Equal(2, code);
    }
}
