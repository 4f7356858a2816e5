using System.Collections.Immutable;
using Electra.Core.Errors;
using Electra.Cpu;
using Electra.Models;
using Electra.Models.Pipelines;
using Electra.Tests.Support;
using Electra.Tokenizer;

namespace Electra.Tests.Pipelines.Embeddings;

/// <summary>
/// encode's text handling around the pooling (checked against the pooling itself, which the fixture tests check
/// against transformers): prompts and their length, stripping, lower-casing, truncation, the Normalize module,
/// truncate_dim and normalize_embeddings, and batching that does not change results.
/// </summary>
public sealed class SentenceEmbeddingTests : IDisposable
{
    private readonly CpuBackend _backend = new();

    public void Dispose() => _backend.Dispose();

    private SentenceEmbedding Pipeline(SentenceTransformerConfig config, int batchSize = 2, int? maxLength = null)
    {
        var model = ElectraPretrained.Load(SharedData.Fixture("model_proj_gelu"), _backend, ElectraArchitecture.ElectraModel);
        var pipeline = new PipelineModel(model, TinyVocab.Numbered(model.Config.VocabSize), new PipelineSettings(batchSize, maxLength),
            ElectraArchitecture.ElectraModel, "test");
        return new SentenceEmbedding(pipeline, config);
    }

    private static TokenRow Row(BertTokenizer tokenizer, string text)
    {
        var e = tokenizer.Encode(text);
        return new TokenRow(e.InputIds.ToArray(), e.TokenTypeIds.ToArray());
    }

    private static float[] Normalized(float[] v)
    {
        double norm = Math.Sqrt(v.Sum(x => (double)x * x));
        return v.Select(x => (float)(x / Math.Max(norm, 1e-12))).ToArray();
    }

    private static readonly SentenceTransformerConfig WithPrompts = SentenceTransformerConfig.Default with
    {
        Prompts = ImmutableSortedDictionary.CreateRange(new Dictionary<string, string> { ["query"] = "w7 w8 ", ["passage"] = "w9 " }),
        DefaultPromptName = "query",
        Pooling = new PoolingConfig([PoolingMode.Mean], IncludePrompt: false),
    };

    [Fact]
    public void TheDefaultPromptIsPrependedAndLeftOutOfThePooling()
    {
        var embed = Pipeline(WithPrompts);
        var result = embed.Run("  w20 w21 w22  ");
        var tok = embed.Pipeline.Tokenizer;
        // The prompt alone is [CLS] w7 w8 [SEP]: its length without the final [SEP] is 3.
        var expected = embed.Pool([Row(tok, "w7 w8 w20 w21 w22")], 3, default)[0];
        Assert.Equal(expected, result.Embedding.ToArray());
        Assert.Equal(7, result.TokenCount);
        Assert.Equal("  w20 w21 w22  ", result.Text);
    }

    [Fact]
    public void APromptNameOrAPromptReplacesTheDefault()
    {
        var embed = Pipeline(WithPrompts);
        var tok = embed.Pipeline.Tokenizer;
        Assert.Equal(embed.Pool([Row(tok, "w9 w20")], 2, default)[0],
            embed.Run("w20", new SentenceEmbeddingOptions(PromptName: "passage")).Embedding.ToArray());
        Assert.Equal(embed.Pool([Row(tok, "w10 w11 w12 w20")], 4, default)[0],
            embed.Run("w20", new SentenceEmbeddingOptions(PromptName: "passage", Prompt: "w10 w11 w12 ")).Embedding.ToArray());
        Assert.Equal(embed.Pool([Row(tok, "w20")], 0, default)[0],
            embed.Run("w20", new SentenceEmbeddingOptions(Prompt: "")).Embedding.ToArray());
        var error = Assert.Throws<InputException>(() => embed.Run("w20", new SentenceEmbeddingOptions(PromptName: "nope")));
        Assert.Contains("'nope'", error.Message);
        Assert.Contains("passage, query", error.Message);
    }

    [Fact]
    public void TheNormalizeModuleTruncateDimAndNormalizeEmbeddingsApplyInEncodesOrder()
    {
        var plain = Pipeline(SentenceTransformerConfig.Default);
        var normalizing = Pipeline(SentenceTransformerConfig.Default with { Normalize = true });
        var pooled = plain.Pool([Row(plain.Pipeline.Tokenizer, "w30 w31")], 0, default)[0];
        Assert.Equal(pooled, plain.Run("w30 w31").Embedding.ToArray());
        TensorAssert.Close("Normalize", Normalized(pooled), normalizing.Run("w30 w31").Embedding.AsSpan(), 1e-7, 1e-6);
        // Normalize module first, then truncation, then normalize_embeddings.
        var truncated = normalizing.Run("w30 w31", new SentenceEmbeddingOptions(TruncateDim: 8)).Embedding;
        TensorAssert.Close("truncate_dim", Normalized(pooled)[..8], truncated.AsSpan(), 1e-7, 1e-6);
        var renormalized = normalizing.Run("w30 w31", new SentenceEmbeddingOptions(TruncateDim: 8, NormalizeEmbeddings: true)).Embedding;
        TensorAssert.Close("normalize_embeddings", Normalized(Normalized(pooled)[..8]), renormalized.AsSpan(), 1e-7, 1e-6);
        Assert.Throws<InputException>(() => plain.Run("w30", new SentenceEmbeddingOptions(TruncateDim: plain.Dimension + 1)));
    }

    [Fact]
    public void DoLowerCaseLowerCasesBeforeTheTokenizerAndLongTextsAreTruncated()
    {
        var cased = new BertTokenizer(TinyVocab.Numbered(120).Vocabulary, BertTokenizerOptions.Default with { DoLowerCase = false });
        var model = ElectraPretrained.Load(SharedData.Fixture("model_proj_gelu"), _backend, ElectraArchitecture.ElectraModel);
        var pipeline = new PipelineModel(model, cased, new PipelineSettings(2, MaxLength: 6), ElectraArchitecture.ElectraModel, "test");
        var lower = new SentenceEmbedding(pipeline, SentenceTransformerConfig.Default with { DoLowerCase = true });
        var asIs = new SentenceEmbedding(pipeline, SentenceTransformerConfig.Default);
        Assert.Equal(lower.Run("w40 w41").Embedding.ToArray(), lower.Run("W40 W41").Embedding.ToArray());
        Assert.NotEqual(asIs.Run("w40 w41").Embedding.ToArray(), asIs.Run("W40 W41").Embedding.ToArray());
        var longText = lower.Run("w11 w12 w13 w14 w15 w16 w17 w18 w19");
        Assert.Equal(6, longText.TokenCount);
        Assert.Equal(lower.Run("w11 w12 w13 w14").Embedding.ToArray(), longText.Embedding.ToArray());
    }

    [Fact]
    public void BatchingAndOrderDoNotChangeEmbeddings()
    {
        var random = new Random(17);
        var texts = Enumerable.Range(0, 9).Select(_ => string.Join(" ", Enumerable.Range(0, random.Next(0, 14)).Select(_ => $"w{random.Next(5, 120)}"))).ToArray();
        var one = Pipeline(SentenceTransformerConfig.Default, batchSize: 1).Run(texts);
        var four = Pipeline(SentenceTransformerConfig.Default, batchSize: 4).Run(texts);
        for (int i = 0; i < texts.Length; i++)
        {
            Assert.Equal(texts[i], four[i].Text);
            TensorAssert.Close($"text {i}", one[i].Embedding.AsSpan(), four[i].Embedding.AsSpan(), 1e-5, 1e-5);
        }
        Assert.Empty(Pipeline(SentenceTransformerConfig.Default).Run([]));
    }

    [Fact]
    public void APlainTransformersFolderGetsMeanPoolingAndSaysSo()
    {
        var config = SentenceTransformerConfigJson.Load(SharedData.Fixture("model_proj_gelu"));
        Assert.Equal(SentenceTransformerConfig.Default, config);
        Assert.Equal([PoolingMode.Mean], config.Pooling.Modes.AsEnumerable());
        Assert.False(config.Normalize);
        Assert.Contains("mean pooling", config.Source);
        // A folder saved with a head (the demo discriminator) is loaded as its encoder.
        var embed = SentenceEmbedding.Load(DemoModelFixture.Discriminator, _backend);
        Assert.Equal(ElectraArchitecture.ElectraModel, embed.Pipeline.Model.Architecture);
        Assert.Equal(embed.Pipeline.Model.Config.HiddenSize, embed.Dimension);
        Assert.Equal(embed.Dimension, embed.Run("The quick brown fox").Embedding.Length);
    }

    [Fact]
    public void CancellationStopsBeforeTheNextBatch()
    {
        var embed = Pipeline(SentenceTransformerConfig.Default, batchSize: 1);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.Throws<OperationCanceledException>(() => embed.Run(["w5", "w6"], null, cancelled.Token));
    }
}
