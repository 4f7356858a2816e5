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
            var texts = Texts(s, req.Inputs);
            var embedder = s.Model.Embedder ?? throw ApiError.WrongHead("model is not an embedding model");
            ServerContext.CheckDirection(req.TruncationDirection);
            foreach (var text in texts) s.CheckInput(text, null, req.Truncate ?? s.Options.AutoTruncate);
            var options = new SentenceEmbeddingOptions(PromptName: req.PromptName, NormalizeEmbeddings: req.Normalize, TruncateDim: req.Dimensions);
            return ModelRoute.Call(texts.Count, ElectraRoutes.Characters(texts), () => embedder.Prepare(texts, options));
        },
        (_, results) => ServerContext.WriteAsync(http,
            results.Select(r => ImmutableCollectionsMarshal.AsArray(r.Embedding)!).ToArray(), ServerJson.Tei.SingleArrayArray));

    public static Task EmbedAll(HttpContext http, ServerContext s) => ModelRoute.Run(http, s, ServerJson.Tei.EmbedAllRequest,
        req =>
        {
            var texts = Texts(s, req.Inputs);
            var extractor = s.Model.Extractor ?? throw ApiError.WrongHead("model is not an embedding model");
            if (req.PromptName is not null) throw new ApiError(ErrorType.Validation, "Input validation error: prompt_name is not supported by /embed_all", 422);
            ServerContext.CheckDirection(req.TruncationDirection);
            foreach (var text in texts) s.CheckInput(text, null, req.Truncate ?? s.Options.AutoTruncate);
            var options = new FeatureExtractionOptions(Truncation: true);   // over-long inputs were refused above unless truncating
            return ModelRoute.Call(texts.Count, ElectraRoutes.Characters(texts), () => extractor.Prepare(texts, options));
        },
        (_, results) => ServerContext.WriteAsync(http,
            results.Select(r => Enumerable.Range(0, r.Tokens.Length).Select(t => r.Token(t).ToArray()).ToArray()).ToArray(),
            ServerJson.Tei.SingleArrayArrayArray));

    public static Task OpenAi(HttpContext http, ServerContext s)
    {
        bool base64 = false;
        return ModelRoute.Run(http, s, ServerJson.Tei.OpenAiRequest, req =>
        {
            var texts = Texts(s, req.Input, "input");
            var embedder = s.Model.Embedder ?? throw ApiError.WrongHead("model is not an embedding model");
            base64 = (req.EncodingFormat ?? "float") switch
            {
                "float" => false,
                "base64" => true,
                var other => throw ApiError.BadBody($"encoding_format: unknown variant `{other}`, expected `float` or `base64`"),
            };
            foreach (var text in texts) s.CheckInput(text, null, s.Options.AutoTruncate);
            var options = new SentenceEmbeddingOptions(NormalizeEmbeddings: true, TruncateDim: req.Dimensions);
            return ModelRoute.Call(texts.Count, ElectraRoutes.Characters(texts), () => embedder.Prepare(texts, options));
        },
        (_, results) => WriteOpenAi(http, s.Model.ModelId, results, base64));
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

    /// <summary>TEI's Input: texts, or token ids (decoded to text first, as TEI does); 400 on an empty list, 413 over the batch size.</summary>
    private static List<string> Texts(ServerContext s, JsonElement inputs, string field = "inputs")
    {
        var (items, isBatch) = RequestInputs.Input(inputs, field);
        s.CheckBatch(items.Count, isBatch, field);
        var tokenizer = s.Model.Pipeline.Tokenizer;
        var texts = new List<string>(items.Count);
        foreach (var item in items)
        {
            if (item.Ids is { } ids)
            {
                foreach (var id in ids)
                    if (id >= tokenizer.Vocabulary.Count)
                        throw new ApiError(ErrorType.Tokenizer, $"tokenizer error: id {id} is not in the vocabulary ({tokenizer.Vocabulary.Count} tokens)");
                texts.Add(tokenizer.Decode(ids));
            }
            else texts.Add(item.Text!);
        }
        return texts;
    }
}
