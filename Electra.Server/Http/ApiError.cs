namespace Electra.Server.Http;

/// <summary>TEI's error types; the type decides the HTTP status exactly as TEI's router maps it.</summary>
public enum ErrorType
{
    Unhealthy,
    Backend,
    Overloaded,
    Validation,
    Tokenizer,
    Empty,
}

/// <summary>A request the server answers with TEI's <c>{"error", "error_type"}</c> body.</summary>
internal sealed class ApiError(ErrorType type, string message, int? status = null) : Exception(message)
{
    public ErrorType Type { get; } = type;

    /// <summary>TEI's mapping (router/src/http/server.rs), unless a status is given.</summary>
    public int Status { get; } = status ?? StatusOf(type);

    public static int StatusOf(ErrorType type) => type switch
    {
        ErrorType.Unhealthy => 503,
        ErrorType.Backend => 424,
        ErrorType.Overloaded => 429,
        ErrorType.Tokenizer => 422,
        ErrorType.Validation => 413,
        ErrorType.Empty => 400,
        _ => 500,
    };

    public static ApiError BatchTooLarge(int size, int max) =>
        new(ErrorType.Validation, $"batch size {size} > maximum allowed batch size {max}");

    public static ApiError EmptyBatch(string field = "inputs") => new(ErrorType.Empty, $"`{field}` cannot be empty");

    public static ApiError Overloaded() => new(ErrorType.Overloaded, "Model is overloaded");

    /// <summary>A request body that is not the route's JSON: axum's 422, in TEI's error shape.</summary>
    public static ApiError BadBody(string detail) =>
        new(ErrorType.Validation, $"Failed to deserialize the JSON body into the target type: {detail}", 422);

    public static ApiError TooLong(int max, int given) =>
        new(ErrorType.Validation, $"Input validation error: `inputs` must have less than {max} tokens. Given: {given}");

    public static ApiError WrongHead(string what) => new(ErrorType.Backend, $"Backend error: Inference error: {what}");
}
