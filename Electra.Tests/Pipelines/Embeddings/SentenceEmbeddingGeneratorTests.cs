using Electra.Cpu;
using Electra.Models;
using Electra.Models.Pipelines;
using Electra.Tests.Support;
using Microsoft.Extensions.AI;

namespace Electra.Tests.Pipelines.Embeddings;

/// <summary>The Microsoft.Extensions.AI generator gives what the pipeline gives, with options mapped as documented.</summary>
public sealed class SentenceEmbeddingGeneratorTests : IDisposable
{
    private readonly CpuBackend _backend = new();

    public void Dispose() => _backend.Dispose();

    private SentenceEmbedding Pipeline()
    {
        var model = ElectraPretrained.Load(SharedData.Fixture("model_proj_gelu"), _backend, ElectraArchitecture.ElectraModel);
        var pipeline = new PipelineModel(model, TinyVocab.Numbered(model.Config.VocabSize), null, ElectraArchitecture.ElectraModel, "test");
        return new SentenceEmbedding(pipeline, SentenceTransformerConfig.Default with
        {
            Normalize = true,
            Prompts = System.Collections.Immutable.ImmutableSortedDictionary<string, string>.Empty.Add("query", "w7 "),
        });
    }

    [Fact]
    public async Task EmbeddingsUsageMetadataAndOptions()
    {
        var embed = Pipeline();
        using IEmbeddingGenerator<string, Embedding<float>> generator = new SentenceEmbeddingGenerator(embed, "tiny");
        string[] texts = ["w10 w11", "w12"];
        var generated = await generator.GenerateAsync(texts);
        var expected = embed.Run(texts);
        Assert.Equal(2, generated.Count);
        for (int i = 0; i < texts.Length; i++)
        {
            Assert.Equal(expected[i].Embedding.ToArray(), generated[i].Vector.ToArray());
            Assert.Equal("tiny", generated[i].ModelId);
        }
        Assert.Equal(4 + 3, generated.Usage!.InputTokenCount);

        var truncated = await generator.GenerateAsync(texts, new EmbeddingGenerationOptions { Dimensions = 5 });
        Assert.Equal(embed.Run(texts, new SentenceEmbeddingOptions(TruncateDim: 5))[0].Embedding.ToArray(), truncated[0].Vector.ToArray());
        var prompted = await generator.GenerateAsync(texts,
            new EmbeddingGenerationOptions { AdditionalProperties = new() { ["prompt_name"] = "query" } });
        Assert.Equal(embed.Run(texts, new SentenceEmbeddingOptions(PromptName: "query"))[1].Embedding.ToArray(), prompted[1].Vector.ToArray());

        var metadata = generator.GetService<EmbeddingGeneratorMetadata>()!;
        Assert.Equal("Electra.NET", metadata.ProviderName);
        Assert.Equal("tiny", metadata.DefaultModelId);
        Assert.Equal(embed.Dimension, metadata.DefaultModelDimensions);
        Assert.Same(embed, generator.GetService<SentenceEmbedding>());
        Assert.Same(generator, generator.GetService<IEmbeddingGenerator<string, Embedding<float>>>());
        Assert.Null(generator.GetService<string>());
    }
}
