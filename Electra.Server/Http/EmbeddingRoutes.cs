using System.Collections.Immutable;
using System.Runtime.InteropServices;
using System.Text.Json;
using Electra.Models.Pipelines;
using Microsoft.AspNetCore.Http;

namespace Electra.Server.Http;

/// <summary>TEI's /embed, /embed_all and the OpenAI-shaped /v1/embeddings, on an <c>ElectraModel</c> (sentence-transformers folder).</summary>
internal static class EmbeddingRoutes
{
    public static Task Embed(HttpContext http, ServerContext s) => ModelRoute.Run(http, s, ServerJson.Tei.EmbedRequest,
        req =>
        {
            var (texts, characters) = Texts(s, req.Inputs);
            var embedder = s.Model.Embedder ?? throw ApiError.WrongHead("model is not an embedding model");
            ServerContext.CheckDirection(req.TruncationDirection);
            foreach (var text in texts) s.CheckInput(text, null, req.Truncate ?? s.Options.AutoTruncate);
            var options = new SentenceEmbeddingOptions(PromptName: req.PromptName, NormalizeEmbeddings: req.Normalize, TruncateDim: req.Dimensions);
            return ModelRoute.Call(texts.Count, characters, () => embedder.Prepare(texts, options));
        },
        (_, results) => ServerContext.WriteAsync(http,
            results.Select(r => ImmutableCollectionsMarshal.AsArray(r.Embedding)!).ToArray(), ServerJson.Tei.SingleArrayArray));

    public static Task EmbedAll(HttpContext http, ServerContext s) => ModelRoute.Run(http, s, ServerJson.Tei.EmbedAllRequest,
        req =>
        {
            var (texts, characters) = Texts(s, req.Inputs);
            var extractor = s.Model.Extractor ?? throw ApiError.WrongHead("model is not an embedding model");
            if (req.PromptName is not null) throw new ApiError(ErrorType.Validation, "Input validation error: prompt_name is not supported by /embed_all", 422);
            ServerContext.CheckDirection(req.TruncationDirection);
            foreach (var text in texts) s.CheckInput(text, null, req.Truncate ?? s.Options.AutoTruncate);
            var options = new FeatureExtractionOptions(Truncation: true);   // over-long inputs were refused above unless truncating
            return ModelRoute.Call(texts.Count, characters, () => extractor.Prepare(texts, options));
        },
        (_, results) => ServerContext.WriteAsync(http,
            results.Select(r => Enumerable.Range(0, r.Tokens.Length).Select(t => r.Token(t).ToArray()).ToArray()).ToArray(),
            ServerJson.Tei.SingleArrayArrayArray));

    public static Task OpenAi(HttpContext http, ServerContext s)
    {
        bool base64 = false;
        return ModelRoute.Run(http, s, ServerJson.Tei.OpenAiRequest, req =>
        {
            var (texts, characters) = Texts(s, req.Input, "input");
            var embedder = s.Model.Embedder ?? throw ApiError.WrongHead("model is not an embedding model");
            base64 = (req.EncodingFormat ?? "float") switch
            {
                "float" => false,
                "base64" => true,
                var other => throw ApiError.BadBody($"encoding_format: unknown variant `{other}`, expected `float` or `base64`"),
            };
            foreach (var text in texts) s.CheckInput(text, null, s.Options.AutoTruncate);
            var options = new SentenceEmbeddingOptions(NormalizeEmbeddings: true, TruncateDim: req.Dimensions);
            return ModelRoute.Call(texts.Count, characters, () => embedder.Prepare(texts, options));
        },
        (_, results) => WriteOpenAi(http, s.Model.ModelId, results, base64));
    }

    /// <summary>
    /// TEI's /similarity: the source sentence and the sentences are embedded together (not normalised, with the
    /// prompt if named) and each sentence is answered with its cosine similarity to the source, in request order.
    /// </summary>
    public static Task Similarity(HttpContext http, ServerContext s) => ModelRoute.Run(http, s, ServerJson.Tei.SimilarityRequest,
        req =>
        {
            var input = req.Inputs ?? throw ApiError.BadBody("missing field `inputs`");
            if (input.SourceSentence is null) throw ApiError.BadBody("inputs: missing field `source_sentence`");
            if (input.Sentences is null) throw ApiError.BadBody("inputs: missing field `sentences`");
            var texts = new List<string>(input.Sentences.Count + 1) { input.SourceSentence };
            texts.AddRange(input.Sentences);
            s.CheckBatch(texts.Count, isBatch: true, "sentences");
            var embedder = s.Model.Embedder ?? throw ApiError.WrongHead("model is not an embedding model");
            var parameters = req.Parameters ?? new SimilarityParameters();
            ServerContext.CheckDirection(parameters.TruncationDirection);
            foreach (var text in texts) s.CheckInput(text, null, parameters.Truncate ?? s.Options.AutoTruncate);
            var options = new SentenceEmbeddingOptions(PromptName: parameters.PromptName, NormalizeEmbeddings: false);
            return ModelRoute.Call(texts.Count, texts.Sum(ModelRoute.Characters), () => embedder.Prepare(texts, options));
        },
        (_, results) =>
        {
            var scores = new float[results.Length - 1];
            for (int i = 1; i < results.Length; i++) scores[i - 1] = Cosine(results[0].Embedding.AsSpan(), results[i].Embedding.AsSpan());
            return ServerContext.WriteAsync(http, scores, ServerJson.Tei.SingleArray);
        });

    /// <summary>TEI's /embed_sparse needs SPLADE pooling, which no ELECTRA head has: 424, as TEI answers for other models.</summary>
    public static Task EmbedSparse(HttpContext http, ServerContext s) =>
        throw ApiError.WrongHead("model is not an embedding model with SPLADE pooling");

    /// <summary>Cosine similarity accumulated in double (TEI's simsimd computes 1 − cosine distance in f64); 0 for a zero vector.</summary>
    internal static float Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double dot = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            aa += (double)a[i] * a[i];
            bb += (double)b[i] * b[i];
        }
        return aa == 0 || bb == 0 ? 0f : (float)(dot / Math.Sqrt(aa * bb));
    }

    /// <summary>OpenAI's embeddings list, written field by field so that base64 vectors need no second DTO.</summary>
    private static async Task WriteOpenAi(HttpContext http, string model, ImmutableArray<SentenceEmbeddingResult> results, bool base64)
    {
        http.Response.StatusCode = 200;
        http.Response.ContentType = "application/json";
        await using var w = new Utf8JsonWriter(http.Response.Body, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        w.WriteStartObject();
        w.WriteString("object", "list");
        w.WriteStartArray("data");
        for (int i = 0; i < results.Length; i++)
        {
            w.WriteStartObject();
            w.WriteString("object", "embedding");
            if (base64) w.WriteString("embedding", Convert.ToBase64String(MemoryMarshal.AsBytes(results[i].Embedding.AsSpan())));   // little-endian f32, as TEI
            else
            {
                w.WriteStartArray("embedding");
                foreach (var v in results[i].Embedding) w.WriteNumberValue(v);
                w.WriteEndArray();
            }
            w.WriteNumber("index", i);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteString("model", model);
        int tokens = results.Sum(r => r.TokenCount);
        w.WriteStartObject("usage");
        w.WriteNumber("prompt_tokens", tokens);
        w.WriteNumber("total_tokens", tokens);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>
    /// TEI's Input: texts, or token ids (decoded to text first, as TEI does); 400 on an empty list, 413 over the batch
    /// size. Characters as TEI counts them for x-compute-characters: Unicode scalar values of a text, one per id.
    /// </summary>
    private static (List<string> Texts, int Characters) Texts(ServerContext s, JsonElement inputs, string field = "inputs")
    {
        var (items, isBatch) = RequestInputs.Input(inputs, field);
        s.CheckBatch(items.Count, isBatch, field);
        var tokenizer = s.Model.Pipeline.Tokenizer;
        var texts = new List<string>(items.Count);
        int characters = 0;
        foreach (var item in items)
        {
            if (item.Ids is { } ids)
            {
                foreach (var id in ids)
                    if (id >= tokenizer.Vocabulary.Count)
                        throw new ApiError(ErrorType.Tokenizer, $"tokenizer error: id {id} is not in the vocabulary ({tokenizer.Vocabulary.Count} tokens)");
                texts.Add(tokenizer.Decode(ids));
                characters += ids.Length;
            }
            else
            {
                texts.Add(item.Text!);
                characters += ModelRoute.Characters(item.Text!);
            }
        }
        return (texts, characters);
    }
}
