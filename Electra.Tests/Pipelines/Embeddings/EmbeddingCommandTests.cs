using System.Text.Json;
using Electra.Cli;
using Electra.Cpu;
using Electra.Models.Pipelines;
using Electra.Tests.Support;
using static Electra.Tests.Support.CliRun;

namespace Electra.Tests.Pipelines.Embeddings;

/// <summary>`electra embed` and `electra rerank`: what the pipelines give, as JSON lines or a table, and bad input.</summary>
public sealed class EmbeddingCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("electra-embed-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, params string[] lines)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllLines(path, lines);
        return path;
    }

    /// <summary>A fixture checkpoint with a made-up vocab.txt of its vocab_size, so the CLI can tokenize for it.</summary>
    private string FixtureModel(string fixture)
    {
        var folder = Path.Combine(_dir, fixture);
        Directory.CreateDirectory(folder);
        foreach (var f in new[] { "config.json", "model.safetensors" })
            File.Copy(Path.Combine(SharedData.Fixture(fixture), f), Path.Combine(folder, f));
        int vocab = Electra.Core.Configuration.ElectraConfigJson.Load(Path.Combine(folder, "config.json")).VocabSize;
        File.WriteAllLines(Path.Combine(folder, "vocab.txt"), TinyVocab.Specials.Concat(Enumerable.Range(5, vocab - 5).Select(i => $"w{i}")));
        return folder;
    }

    [Fact]
    public void EmbedWritesWhatThePipelineGives()
    {
        var model = FixtureModel("model_proj_gelu");
        var (code, stdout, stderr) = Run("embed", "--model", model, "--json", "--pooling", "cls+max", "--normalize", "w10 w11", "w12");
        Assert.True(code == 0, stderr);
        using var backend = new CpuBackend();
        var config = SentenceTransformerConfigJson.Load(model) with { Pooling = PoolingConfig.Of(PoolingMode.Cls, PoolingMode.Max) };
        var expected = SentenceEmbedding.Load(model, backend, config).Run(["w10 w11", "w12"], new SentenceEmbeddingOptions(NormalizeEmbeddings: true));
        var lines = Lines(stdout);
        Assert.Equal(2, lines.Length);
        for (int i = 0; i < 2; i++)
        {
            using var doc = JsonDocument.Parse(lines[i]);
            Assert.Equal(expected[i].Text, doc.RootElement.GetProperty("text").GetString());
            Assert.Equal(expected[i].Embedding.ToArray(), doc.RootElement.GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle()).ToArray());
        }
        var table = Run("embed", "--model", model, "w10 w11");
        Assert.Equal(0, table.Code);
        Assert.Contains("(32 dimensions, 4 tokens)", table.Out);
    }

    [Fact]
    public void EmbedInputErrorsNameTheLine()
    {
        var model = FixtureModel("model_proj_gelu");
        var input = Write("in.jsonl", """{"text": "w10"}""", """{"text": "w11"}""", """{"txt": "w12"}""");
        var (code, stdout, stderr) = Run("embed", "--model", model, "--input", input);
        Assert.NotEqual(0, code);
        Assert.Equal(2, Lines(stdout).Length);
        Assert.Contains("line 3", stderr);
        var bad = Run("embed", "--model", model, "--pooling", "median", "w10");
        Assert.Equal(2, bad.Code);
        Assert.Contains("--pooling", bad.Err);
        var prompt = Run("embed", "--model", model, "--prompt-name", "query", "w10");
        Assert.NotEqual(0, prompt.Code);
        Assert.Contains("'query'", prompt.Err);
    }

    [Fact]
    public void RerankPrintsDocumentsBestFirst()
    {
        var model = FixtureModel("seqcls_regression");
        string[] documents = ["w20 w21", "w30", "w40 w41 w42", "w50"];
        var (code, stdout, stderr) = Run(["rerank", "--model", model, "--query", "w10 w11", "--json", "--top-k", "3", .. documents]);
        Assert.True(code == 0, stderr);
        using var backend = new CpuBackend();
        var expected = CrossEncoderRerank.Load(model, backend).Rank("w10 w11", documents, new RerankOptions(TopK: 3, ReturnDocuments: true));
        var lines = Lines(stdout);
        Assert.Equal(3, lines.Length);
        for (int i = 0; i < 3; i++)
        {
            using var doc = JsonDocument.Parse(lines[i]);
            Assert.Equal(expected[i].CorpusId, doc.RootElement.GetProperty("corpus_id").GetInt32());
            Assert.Equal((float)expected[i].Score, doc.RootElement.GetProperty("score").GetSingle());
            Assert.Equal(expected[i].Text, doc.RootElement.GetProperty("text").GetString());
        }
        var raw = Run(["rerank", "--model", model, "--query", "w10 w11", "--raw-scores", "--json", .. documents]);
        var logits = CrossEncoderRerank.Load(model, backend).Rank("w10 w11", documents, new RerankOptions(ActivationFn: CrossEncoderActivation.Identity));
        using (var first = JsonDocument.Parse(Lines(raw.Out)[0]))
            Assert.Equal((float)logits[0].Score, first.RootElement.GetProperty("score").GetSingle());
        var missing = Run("rerank", "--model", model, "w20");
        Assert.Equal(2, missing.Code);
        Assert.Contains("--query", missing.Err);
    }
}
