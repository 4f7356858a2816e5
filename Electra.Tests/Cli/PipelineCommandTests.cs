using System.Text.Json;
using Electra.Cli;
using Electra.Tests.Support;
using static Electra.Tests.Support.CliRun;
using Electra.Tests.Pipelines;

namespace Electra.Tests.Cli;

/// <summary>`electra detect | fill-mask | classify | ner | qa`: tables, JSON lines, streamed files and bad input.</summary>
public sealed class PipelineCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("electra-pipelines-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string File(string name, params string[] lines)
    {
        var path = Path.Combine(_dir, name);
        System.IO.File.WriteAllLines(path, lines);
        return path;
    }

    /// <summary>A fixture checkpoint with a made-up vocab.txt of its vocab_size, so the CLI can tokenize for it.</summary>
    private string FixtureModel(string fixture, int vocabSize)
    {
        var folder = Path.Combine(_dir, fixture);
        Directory.CreateDirectory(folder);
        foreach (var f in new[] { "config.json", "model.safetensors" })
            System.IO.File.Copy(Path.Combine(SharedData.Fixture(fixture), f), Path.Combine(folder, f));
        System.IO.File.WriteAllLines(Path.Combine(folder, "vocab.txt"),
            TinyVocab.Specials.Concat(Enumerable.Range(5, vocabSize - 5).Select(i => $"w{i}")));
        return folder;
    }

    [Fact]
    public void DetectWithoutModelUsesTheDemoAndFlagsFake()
    {
        var (code, stdout, stderr) = Run("detect", "The quick brown fox fake over the lazy dog");
        Assert.True(code == 0, stderr);
        var flagged = Assert.Single(Lines(stdout), l => l.Contains("most likely replaced"));
        Assert.StartsWith("fake", flagged);
        Assert.Contains("0.422", flagged);
    }

    [Fact]
    public void DetectJsonHasTheDocumentedFields()
    {
        var (code, stdout, stderr) = Run("detect", "--json", "The quick brown fox fake over the lazy dog", "--model", DemoModelFixture.Discriminator);
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(Assert.Single(Lines(stdout)));
        var root = doc.RootElement;
        Assert.Equal("The quick brown fox fake over the lazy dog", root.GetProperty("text").GetString());
        var fake = root.GetProperty("words")[4];
        Assert.Equal("fake", fake.GetProperty("word").GetString());
        Assert.Equal(20, fake.GetProperty("start").GetInt32());
        Assert.Equal(24, fake.GetProperty("end").GetInt32());
        Assert.Equal(0.422, fake.GetProperty("score").GetDouble(), 3);
        Assert.Equal(11, root.GetProperty("tokens").GetArrayLength());
        Assert.Equal("[CLS]", root.GetProperty("tokens")[0].GetProperty("token").GetString());
    }

    [Fact]
    public void DetectStreamsAFileInInputOrder()
    {
        var texts = Enumerable.Range(0, 7).Select(i => string.Join(" ", Enumerable.Repeat("the dog", i + 1))).ToArray();
        var input = File("in.jsonl", texts.Select(t => JsonSerializer.Serialize(new { text = t })).ToArray());
        var (code, stdout, stderr) = Run("detect", "--input", input, "--batch-size", "2");
        Assert.True(code == 0, stderr);
        var lines = Lines(stdout);
        Assert.Equal(texts, lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("text").GetString()));
    }

    [Fact]
    public void AMalformedLineStopsWithItsNumberAfterEarlierResultsAreWritten()
    {
        var input = File("bad.jsonl", """{"text": "the cat sat"}""", "", """{"text": "on the mat"}""", """{"text": 42}""", """{"text": "never"}""");
        var (code, stdout, stderr) = Run("detect", "--input", input);
        Assert.Equal(1, code);
        Assert.Contains("line 4", stderr);
        Assert.Contains("\"text\" must be a string", stderr);
        var lines = Lines(stdout);
        Assert.Equal(2, lines.Length);
        Assert.All(lines, l => JsonDocument.Parse(l));
    }

    [Fact]
    public void InvalidJsonNamesTheLine()
    {
        var input = File("broken.jsonl", """{"text": "fine"}""", """{"text": "unterminated""");
        var (code, stdout, stderr) = Run("detect", "--input", input);
        Assert.Equal(1, code);
        Assert.Contains("line 2: invalid JSON", stderr);
        Assert.Single(Lines(stdout));
    }

    [Fact]
    public void FillMaskWithoutModelUsesTheDemoGenerator()
    {
        var (code, stdout, stderr) = Run("fill-mask", "--json", "--top-k", "3", "the quick brown fox [MASK] over the lazy dog.");
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(Assert.Single(Lines(stdout)));
        var candidates = Assert.Single(doc.RootElement.GetProperty("masks").EnumerateArray().ToList());
        Assert.Equal(["the", ",", "."], candidates.EnumerateArray().Select(c => c.GetProperty("token_str").GetString()));
        Assert.Equal("the quick brown fox the over the lazy dog.", candidates[0].GetProperty("sequence").GetString());
    }

    [Fact]
    public void FillMaskTargetsRestrictTheCandidates()
    {
        var (code, stdout, stderr) = Run("fill-mask", "--targets", "jumps,runs", "the quick brown fox [MASK] over the lazy dog.");
        Assert.True(code == 0, stderr);
        var table = Lines(stdout);
        Assert.Equal(3, table.Length);
        Assert.Contains(table, l => l.Contains("jumps"));
        Assert.Contains(table, l => l.Contains("runs"));
    }

    [Fact]
    public void FillMaskLineWithoutAMaskIsNamed()
    {
        var input = File("masks.jsonl", """{"text": "a [MASK] day"}""", """{"text": "no mask at all"}""");
        var (code, stdout, stderr) = Run("fill-mask", "--input", input);
        Assert.Equal(1, code);
        Assert.Contains("masks.jsonl line 2: no mask token", stderr);
        Assert.Single(Lines(stdout));
    }

    [Fact]
    public void ClassifyWritesLabelsForTextsAndPairs()
    {
        var model = FixtureModel("seqcls_single_label_3", 180);
        var input = File("pairs.jsonl", """{"text": "w5 w6 w7", "text_pair": "w8 w9"}""", """{"text": "w10"}""");
        var (code, stdout, stderr) = Run("classify", "--model", model, "--input", input, "--top-k", "all");
        Assert.True(code == 0, stderr);
        var lines = Lines(stdout).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(2, lines.Count);
        Assert.Equal("w8 w9", lines[0].GetProperty("text_pair").GetString());
        var labels = lines[1].GetProperty("labels").EnumerateArray().ToList();
        Assert.Equal(3, labels.Count);
        Assert.Equal(1.0, labels.Sum(l => l.GetProperty("score").GetDouble()), 5);
        var (tableCode, table, _) = Run("classify", "--model", model, "w5 w6");
        Assert.Equal(0, tableCode);
        Assert.Matches(@"LABEL_\d\s+0\.\d{4}", table);
    }

    [Fact]
    public void NerWritesEntitiesWithOffsets()
    {
        var model = FixtureModel("tokencls_silu", 160);
        var (code, stdout, stderr) = Run("ner", "--model", model, "--json", "--ignore-labels", "", "--aggregation-strategy", "none", "w5 w6 w7");
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(Assert.Single(Lines(stdout)));
        var entities = doc.RootElement.GetProperty("entities").EnumerateArray().ToList();
        Assert.Equal(3, entities.Count);
        Assert.Equal((3, 5), (entities[1].GetProperty("start").GetInt32(), entities[1].GetProperty("end").GetInt32()));
        Assert.Equal(2, entities[1].GetProperty("index").GetInt32());
        var (groupCode, grouped, _) = Run("ner", "--model", model, "--json", "--ignore-labels", "", "--aggregation-strategy", "first", "w5 w6 w7");
        Assert.Equal(0, groupCode);
        Assert.Contains("entity_group", grouped);
    }

    [Fact]
    public void QaAnswersFromALongContext()
    {
        var model = FixtureModel("qa_positions", 140);
        string context = string.Join(" ", Enumerable.Range(0, 70).Select(i => $"w{5 + i % 130}"));
        var input = File("qa.jsonl", JsonSerializer.Serialize(new { question = "w5 w6", context }));
        var (code, stdout, stderr) = Run("qa", "--model", model, "--input", input, "--top-k", "2", "--max-answer-len", "3");
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(Assert.Single(Lines(stdout)));
        var answers = doc.RootElement.GetProperty("answers").EnumerateArray().ToList();
        Assert.Equal(2, answers.Count);
        foreach (var a in answers)
            Assert.Equal(context[a.GetProperty("start").GetInt32()..a.GetProperty("end").GetInt32()], a.GetProperty("answer").GetString());
        var (tableCode, table, tableErr) = Run("qa", "--model", model, "--question", "w5", "--context", "w6 w7 w8");
        Assert.True(tableCode == 0, tableErr);
        Assert.StartsWith("w5", table);
    }

    [Theory]
    [InlineData("classify", "x")]
    [InlineData("ner", "x")]
    [InlineData("detect", "x")]
    public void AMissingModelFolderIsAnError(string command, string text)
    {
        var (code, _, stderr) = Run(command, "--model", Path.Combine(_dir, "no-such-model"), text);
        Assert.Equal(1, code);
        Assert.Contains("does not exist", stderr);
        Assert.Single(Lines(stderr));
    }

    [Fact]
    public void AModelWithTheWrongHeadIsAnError()
    {
        var (code, _, stderr) = Run("fill-mask", "--model", DemoModelFixture.Discriminator, "a [MASK]");
        Assert.Equal(1, code);
        Assert.Contains("error", stderr);
    }

    [Theory]
    [InlineData("classify", "text")]                                   // no --model
    [InlineData("ner", "--aggregation-strategy", "sometimes", "--model", "m", "x")]
    [InlineData("detect")]                                             // nothing to do
    [InlineData("qa", "--model", "m", "--question", "q")]              // no context
    [InlineData("detect", "--colour", "blue", "x")]
    public void UsageMistakesExitWithTwo(params string[] args)
    {
        var (code, _, stderr) = Run(args);
        Assert.Equal(2, code);
        Assert.Contains("usage: electra", stderr);
    }

    [Fact]
    public void AMissingInputFileIsAnError()
    {
        var (code, _, stderr) = Run("detect", "--input", Path.Combine(_dir, "absent.jsonl"));
        Assert.Equal(1, code);
        Assert.Contains("input file not found", stderr);
    }

    [Fact]
    public void ProgressBarRedrawsInPlaceAndEndsTheLine()
    {
        var err = new StringWriter();
        var bar = new Electra.Cli.Commands.ProgressBar(err, 10);
        bar.Update(3);
        bar.Update(4);   // within 100 ms of the first draw: skipped
        bar.Finish(10);
        var text = err.ToString();
        Assert.StartsWith("\r[#########", text);
        Assert.DoesNotContain("4/10", text);
        Assert.Contains("\r[##############################] 10/10 ", text);
        Assert.EndsWith(Environment.NewLine, text);
    }

    [Fact]
    public void ProgressLineShowsRateAndEta()
    {
        var line = Electra.Cli.Commands.ProgressBar.Line(25, 100, 5);
        Assert.Equal("[#######.......................] 25/100  5.0/s  ETA 0:00:15", line);
    }
}
