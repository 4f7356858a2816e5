using System.Net;
using System.Text.Json;
using Electra.Models.Pipelines;
using Electra.Server;
using static Electra.Tests.Server.HttpJson;

namespace Electra.Tests.Server;

/// <summary>TEI's /embed, /embed_all and /v1/embeddings against the in-process SentenceEmbedding and FeatureExtraction.</summary>
public sealed class ServerEmbeddingTests(ServerModels models) : IClassFixture<ServerModels>
{
    private static float[] Floats(JsonElement e) => e.EnumerateArray().Select(x => x.GetSingle()).ToArray();

    private static void AssertBitwise(IReadOnlyList<float> expected, float[] got)
    {
        Assert.Equal(expected.Count, got.Length);
        for (int i = 0; i < got.Length; i++) Assert.Equal(BitConverter.SingleToInt32Bits(expected[i]), BitConverter.SingleToInt32Bits(got[i]));
    }

    [Fact]
    public async Task EmbedAnswersOneVectorPerInputBitwiseTheInProcessOnes()
    {
        await using var run = await RunningServer.StartAsync(models.Embedder);
        var embed = models.Embedder.Embedder!;
        var (status, body, _) = await Post(run.Client, "/embed", """{"inputs": "w5 w6 w7"}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(1, body.GetArrayLength());   // a single input still answers a list of vectors
        var expected = embed.Run("w5 w6 w7", new SentenceEmbeddingOptions(NormalizeEmbeddings: true));
        AssertBitwise(expected.Embedding, Floats(body[0]));

        (status, body, _) = await Post(run.Client, "/embed", """{"inputs": ["w5", "w9 w10 w11 w12"], "normalize": false, "prompt_name": "query"}""");
        Assert.Equal(HttpStatusCode.OK, status);
        var raw = embed.Run(["w5", "w9 w10 w11 w12"], new SentenceEmbeddingOptions(PromptName: "query"));
        AssertBitwise(raw[0].Embedding, Floats(body[0]));
        AssertBitwise(raw[1].Embedding, Floats(body[1]));

        (status, body, _) = await Post(run.Client, "/embed", """{"inputs": "w5 w6", "dimensions": 8}""");
        AssertBitwise(embed.Run("w5 w6", new SentenceEmbeddingOptions(NormalizeEmbeddings: true, TruncateDim: 8)).Embedding, Floats(body[0]));

        (status, body, _) = await Post(run.Client, "/embed", """{"inputs": []}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        AssertError(body, "Empty");
        (status, body, _) = await Post(run.Client, "/embed", """{"inputs": "w5", "prompt_name": "nope"}""");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        string longText = ServerModels.Words(new Random(1), 40, 100);
        (status, body, _) = await Post(run.Client, "/embed", $$"""{"inputs": {{Str(longText)}}}""");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        AssertError(body, "Validation", "must have less than");
        (status, body, _) = await Post(run.Client, "/embed", $$"""{"inputs": {{Str(longText)}}, "truncate": true}""");
        Assert.Equal(HttpStatusCode.OK, status);
        // Token ids are decoded to text first, as TEI does.
        var ids = models.Embedder.Pipeline.Tokenizer.Encode("w5 w6", null, new Electra.Tokenizer.EncodeOptions { AddSpecialTokens = false }).InputIds.ToArray();
        (status, body, _) = await Post(run.Client, "/embed", $$"""{"inputs": {{JsonSerializer.Serialize(ids)}}}""");
        Assert.Equal(HttpStatusCode.OK, status);
        AssertBitwise(embed.Run("w5 w6", new SentenceEmbeddingOptions(NormalizeEmbeddings: true)).Embedding, Floats(body[0]));
    }

    [Fact]
    public async Task EmbedAllAndOpenAiShapes()
    {
        await using var run = await RunningServer.StartAsync(models.Embedder);
        var (status, body, _) = await Post(run.Client, "/embed_all", """{"inputs": ["w5 w6", "w7"]}""");
        Assert.Equal(HttpStatusCode.OK, status);
        var expected = models.Embedder.Extractor!.Run(["w5 w6", "w7"], new FeatureExtractionOptions(Truncation: true));
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(expected[i].Tokens.Length, body[i].GetArrayLength());
            for (int t = 0; t < expected[i].Tokens.Length; t++) AssertBitwise(expected[i].Token(t).ToArray(), Floats(body[i][t]));
        }

        (status, body, _) = await Post(run.Client, "/v1/embeddings", """{"input": ["w5 w6", "w7"], "model": "anything"}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("list", body.GetProperty("object").GetString());
        Assert.Equal("model_proj_gelu", body.GetProperty("model").GetString());
        var embeddings = models.Embedder.Embedder!.Run(["w5 w6", "w7"], new SentenceEmbeddingOptions(NormalizeEmbeddings: true));
        for (int i = 0; i < 2; i++)
        {
            var item = body.GetProperty("data")[i];
            Assert.Equal("embedding", item.GetProperty("object").GetString());
            Assert.Equal(i, item.GetProperty("index").GetInt32());
            AssertBitwise(embeddings[i].Embedding, Floats(item.GetProperty("embedding")));
        }
        Assert.Equal(embeddings.Sum(e => e.TokenCount), body.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(embeddings.Sum(e => e.TokenCount), body.GetProperty("usage").GetProperty("total_tokens").GetInt32());

        (status, body, _) = await Post(run.Client, "/v1/embeddings", """{"input": "w5 w6", "encoding_format": "base64"}""");
        var bytes = Convert.FromBase64String(body.GetProperty("data")[0].GetProperty("embedding").GetString()!);
        AssertBitwise(embeddings[0].Embedding, System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes).ToArray());

        // OpenAI's error shape on the OpenAI route.
        (status, body, _) = await Post(run.Client, "/v1/embeddings", """{"input": []}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(["code", "message", "type"], body.EnumerateObject().Select(p => p.Name).OrderBy(n => n, StringComparer.Ordinal));
        Assert.Equal(400, body.GetProperty("code").GetInt32());
        Assert.Equal("Empty", body.GetProperty("type").GetString());

        // Hugging Face clients POST to the endpoint URL itself: an embedding model answers it as /embed.
        (status, body, _) = await Post(run.Client, "/", """{"inputs": "w5 w6 w7"}""");
        Assert.Equal(HttpStatusCode.OK, status);
        AssertBitwise(models.Embedder.Embedder!.Run("w5 w6 w7", new SentenceEmbeddingOptions(NormalizeEmbeddings: true)).Embedding, Floats(body[0]));

        await using var other = await RunningServer.StartAsync(models.Classifier);
        (status, body, _) = await Post(other.Client, "/embed", """{"inputs": "w5"}""");
        Assert.Equal(HttpStatusCode.FailedDependency, status);
        AssertError(body, "Backend", "model is not an embedding model");
    }

    [Fact]
    public async Task SimilarityIsTheCosineOfTheUnnormalisedEmbeddingsAndSparseEmbeddingsAre424()
    {
        await using var run = await RunningServer.StartAsync(models.Embedder);
        var (status, body, response) = await Post(run.Client, "/similarity",
            """{"inputs": {"source_sentence": "w5 w6 w7", "sentences": ["w5 w6", "w9 w10 w11", "w5 w6 w7"]}, "parameters": {"prompt_name": "query"}}""");
        Assert.Equal(HttpStatusCode.OK, status);
        var e = models.Embedder.Embedder!.Run(["w5 w6 w7", "w5 w6", "w9 w10 w11", "w5 w6 w7"], new SentenceEmbeddingOptions(PromptName: "query"));
        Assert.Equal(3, body.GetArrayLength());
        for (int i = 0; i < 3; i++)
        {
            // Cosine written out in double here, independently of the server's code.
            var (a, b) = (e[0].Embedding, e[i + 1].Embedding);
            double dot = 0, na = 0, nb = 0;
            for (int k = 0; k < a.Length; k++) { dot += (double)a[k] * b[k]; na += (double)a[k] * a[k]; nb += (double)b[k] * b[k]; }
            Assert.Equal(dot / Math.Sqrt(na * nb), body[i].GetDouble(), 6);
        }
        Assert.Equal(1.0, body[2].GetDouble(), 6);   // the source sentence itself
        Assert.Equal("31", response.Headers.GetValues("x-compute-characters").Single());   // the source and every sentence

        (status, body, _) = await Post(run.Client, "/similarity", """{"inputs": {"source_sentence": "w5", "sentences": []}}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(0, body.GetArrayLength());
        (status, body, _) = await Post(run.Client, "/similarity", """{"inputs": {"sentences": ["w5"]}}""");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        AssertError(body, "Validation", "missing field `source_sentence`");

        // x-compute-characters counts Unicode scalar values, as TEI (Rust's chars().count()): the emoji is one.
        (status, _, response) = await Post(run.Client, "/embed", """{"inputs": "w5 \ud83d\ude00"}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("4", response.Headers.GetValues("x-compute-characters").Single());

        (status, body, _) = await Post(run.Client, "/embed_sparse", """{"inputs": "w5"}""");
        Assert.Equal(HttpStatusCode.FailedDependency, status);
        AssertError(body, "Backend", "SPLADE");
    }
}
