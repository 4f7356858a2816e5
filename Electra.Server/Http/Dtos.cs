using System.Text.Json;
using System.Text.Json.Serialization;

namespace Electra.Server.Http;

// Request and response bodies, field for field as TEI's router/src/http/types.rs and docs/openapi.json (snake_case
// names through the context's naming policy). Fields that take several shapes (a string or a list, a text or a pair)
// are JsonElement and read by RequestInputs.

internal sealed class EmbedRequest
{
    public JsonElement Inputs { get; set; }
    public bool? Truncate { get; set; }
    public string? TruncationDirection { get; set; }
    public string? PromptName { get; set; }
    public bool Normalize { get; set; } = true;
    public int? Dimensions { get; set; }
}

internal sealed class EmbedAllRequest
{
    public JsonElement Inputs { get; set; }
    public bool? Truncate { get; set; }
    public string? TruncationDirection { get; set; }
    public string? PromptName { get; set; }
}

internal sealed class OpenAiRequest
{
    public JsonElement Input { get; set; }
    public string? Model { get; set; }
    public string? User { get; set; }
    public string? EncodingFormat { get; set; }
    public int? Dimensions { get; set; }
}

/// <summary>TEI's SimilarityRequest: a source sentence compared with each of the sentences.</summary>
internal sealed class SimilarityRequest
{
    public SimilarityInput? Inputs { get; set; }
    public SimilarityParameters? Parameters { get; set; }
}

internal sealed class SimilarityInput
{
    public string? SourceSentence { get; set; }
    public List<string>? Sentences { get; set; }
}

internal sealed class SimilarityParameters
{
    public bool? Truncate { get; set; }
    public string? TruncationDirection { get; set; }
    public string? PromptName { get; set; }
}

internal sealed class PredictRequest
{
    public JsonElement Inputs { get; set; }
    public bool? Truncate { get; set; }
    public string? TruncationDirection { get; set; }
    public bool RawScores { get; set; }
}

internal sealed class RerankRequest
{
    public string? Query { get; set; }
    public List<string>? Texts { get; set; }
    public bool? Truncate { get; set; }
    public string? TruncationDirection { get; set; }
    public bool RawScores { get; set; }
    public bool ReturnText { get; set; }
}

internal sealed class TokenizeRequest
{
    public JsonElement Inputs { get; set; }
    public bool AddSpecialTokens { get; set; } = true;
    public string? PromptName { get; set; }
}

internal sealed class DecodeRequest
{
    public JsonElement Ids { get; set; }
    public bool SkipSpecialTokens { get; set; } = true;
}

internal sealed class DetectRequest
{
    public JsonElement Inputs { get; set; }
}

internal sealed class TokenClassificationRequest
{
    public JsonElement Inputs { get; set; }
    public string? AggregationStrategy { get; set; }
    public List<string>? IgnoreLabels { get; set; }
}

internal sealed class QuestionAnsweringRequest
{
    public string? Question { get; set; }
    public string? Context { get; set; }
    public int TopK { get; set; } = 1;
    public int? DocStride { get; set; }
    public int MaxAnswerLen { get; set; } = 15;
    public int? MaxSeqLen { get; set; }
    public bool HandleImpossibleAnswer { get; set; }
    public bool AlignToWords { get; set; } = true;
}

internal sealed class FillMaskRequest
{
    public JsonElement Inputs { get; set; }
    public int TopK { get; set; } = 5;
    public List<string>? Targets { get; set; }
}

internal sealed record ErrorResponse(string Error, ErrorType ErrorType);

internal sealed record OpenAiErrorResponse(string Message, int Code, [property: JsonPropertyName("type")] ErrorType ErrorType);

internal sealed record Prediction(float Score, string Label);

internal sealed record Rank(int Index, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Text, float Score);

internal sealed record SimpleToken(int Id, string Text, bool Special, int? Start, int? Stop);

internal sealed record DetectWord(string Word, int Start, int End, float Score);

internal sealed record DetectToken(string Token, float Score);

/// <summary>The shape of <c>electra detect --json</c>.</summary>
internal sealed record DetectResult(string Text, List<DetectWord> Words, List<DetectToken> Tokens);

/// <summary>transformers' token-classification entity: "entity" and "index" per token, "entity_group" for groups.</summary>
internal sealed record EntityResult(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Entity,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? EntityGroup,
    float Score,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Index,
    string Word, int Start, int End);

internal sealed record AnswerResult(float Score, int Start, int End, string Answer);

internal sealed record FillMaskCandidateResult(float Score, int Token, string TokenStr, string Sequence);

internal sealed record ClassifierModelInfo(SortedDictionary<string, string> Id2label, SortedDictionary<string, int> Label2id);

internal sealed record EmbeddingModelInfo(string Pooling);

/// <summary>TEI's ModelType: exactly one member is set ("classifier", "embedding", "reranker"), or one of ELECTRA's own heads.</summary>
internal sealed class ModelTypeInfo
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public ClassifierModelInfo? Classifier { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public EmbeddingModelInfo? Embedding { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public ClassifierModelInfo? Reranker { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public ClassifierModelInfo? TokenClassifier { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Dictionary<string, string>? ReplacedTokenDetection { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Dictionary<string, string>? QuestionAnswering { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Dictionary<string, string>? FillMask { get; init; }
}

internal sealed record InfoResponse(
    string ModelId,
    string? ModelSha,
    string ModelDtype,
    ModelTypeInfo ModelType,
    int MaxConcurrentRequests,
    int MaxInputLength,
    int MaxBatchTokens,
    int? MaxBatchRequests,
    int MaxClientBatchSize,
    bool AutoTruncate,
    int TokenizationWorkers,
    string Version,
    string? Sha,
    string? DockerLabel,
    string Architecture);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UseStringEnumConverter = true, AllowTrailingCommas = false, NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(EmbedRequest))]
[JsonSerializable(typeof(EmbedAllRequest))]
[JsonSerializable(typeof(OpenAiRequest))]
[JsonSerializable(typeof(SimilarityRequest))]
[JsonSerializable(typeof(float[]))]
[JsonSerializable(typeof(PredictRequest))]
[JsonSerializable(typeof(RerankRequest))]
[JsonSerializable(typeof(TokenizeRequest))]
[JsonSerializable(typeof(DecodeRequest))]
[JsonSerializable(typeof(DetectRequest))]
[JsonSerializable(typeof(TokenClassificationRequest))]
[JsonSerializable(typeof(QuestionAnsweringRequest))]
[JsonSerializable(typeof(FillMaskRequest))]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(OpenAiErrorResponse))]
[JsonSerializable(typeof(List<Prediction>))]
[JsonSerializable(typeof(List<List<Prediction>>))]
[JsonSerializable(typeof(List<Rank>))]
[JsonSerializable(typeof(List<List<SimpleToken>>))]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(float[][]))]
[JsonSerializable(typeof(float[][][]))]
[JsonSerializable(typeof(List<DetectResult>))]
[JsonSerializable(typeof(List<List<EntityResult>>))]
[JsonSerializable(typeof(List<AnswerResult>))]
[JsonSerializable(typeof(List<List<List<FillMaskCandidateResult>>>))]
[JsonSerializable(typeof(InfoResponse))]
internal sealed partial class ServerJson : JsonSerializerContext;

internal sealed partial class ServerJson
{
    /// <summary>The attribute's options, writing non-ASCII text as UTF-8 rather than \u escapes, as TEI (serde) does.</summary>
    public static ServerJson Tei { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.Strict,
        Converters = { new JsonStringEnumConverter<ErrorType>() },
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
