using System.Diagnostics;
using Electra.Core.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Electra.Server.Http;

/// <summary>
/// Wraps every request: refuses new ones while shutting down (503), checks the API key (401, as TEI), counts
/// requests by route and status, and turns every failure into TEI's JSON error. No exception text of an unexpected
/// failure, let alone a stack trace, reaches a client: those are logged and answered "Inference failed" (424).
/// </summary>
internal static class ErrorHandling
{
    private static readonly HashSet<string> KnownRoutes =
    [
        "/embed", "/embed_all", "/v1/embeddings", "/embeddings", "/similarity", "/embed_sparse", "/predict", "/rerank", "/tokenize", "/decode", "/health",
        "/info", "/metrics", "/detect", "/token-classification", "/question-answering", "/fill-mask", "/", "/ping", "/invocations",
    ];

    public static async Task Handle(HttpContext http, RequestDelegate next, ServerContext s, ApiKeyCheck? apiKey)
    {
        long start = Stopwatch.GetTimestamp();
        string path = http.Request.Path.Value ?? "/";
        string route = KnownRoutes.Contains(path) ? path : "other";
        bool openAi = path is "/v1/embeddings" or "/embeddings";
        if (apiKey is not null && !apiKey.Allows(http.Request.Headers.Authorization))
        {
            http.Response.StatusCode = 401;
            s.Log.LogWarning("refused {Method} {Path}: missing or wrong API key", http.Request.Method, path);
            s.Metrics.Request(route, 401, Stopwatch.GetElapsedTime(start));
            return;
        }
        if (s.State.Draining)
        {
            s.Metrics.Draining();
            s.Log.LogWarning("refused {Method} {Path}: the server is shutting down", http.Request.Method, path);
            await WriteError(http, new ApiError(ErrorType.Unhealthy, "the server is shutting down"), openAi);
            s.Metrics.Request(route, 503, Stopwatch.GetElapsedTime(start));
            return;
        }
        s.State.Enter();
        try
        {
            await next(http);
        }
        catch (Exception ex) when (http.RequestAborted.IsCancellationRequested && ex is OperationCanceledException or IOException)
        {
            // The client left: nobody to answer. 499 is what nginx logs for it.
            s.Log.LogDebug("{Method} {Path}: the client disconnected", http.Request.Method, path);
            http.Response.StatusCode = 499;
        }
        catch (Exception ex)
        {
            var error = Classify(ex, s.Log);
            if (error.Status == 429) s.Log.LogWarning("refused {Method} {Path}: {Message}", http.Request.Method, path, error.Message);
            if (!http.Response.HasStarted) await WriteError(http, error, openAi);
        }
        finally
        {
            s.State.Leave();
            var elapsed = Stopwatch.GetElapsedTime(start);
            s.Metrics.Request(route, http.Response.StatusCode, elapsed);
            s.Log.LogDebug("{Method} {Path} {Status} {Ms:F1} ms", http.Request.Method, path, http.Response.StatusCode, elapsed.TotalMilliseconds);
        }
    }

    private static ApiError Classify(Exception ex, ILogger log) => ex switch
    {
        ApiError api => api,
        BadHttpRequestException bad when bad.StatusCode == 413 =>
            new ApiError(ErrorType.Validation, $"Failed to buffer the request body: length limit exceeded"),
        BadHttpRequestException bad => new ApiError(ErrorType.Validation, $"bad request: {bad.Message}", bad.StatusCode),
        Electra.Tokenizer.TokenizerInputException tok => new ApiError(ErrorType.Tokenizer, $"tokenizer error {tok.Message}"),
        // Our typed input errors carry messages written for users (which input, which token); they are safe to return.
        InputException input => new ApiError(ErrorType.Validation, $"Input validation error: {input.Message}", 422),
        ElectraException other => new ApiError(ErrorType.Backend, $"Backend error: {other.Message}"),
        _ => Unexpected(ex, log),
    };

    private static ApiError Unexpected(Exception ex, ILogger log)
    {
        log.LogError(ex, "request failed");
        return new ApiError(ErrorType.Backend, "Inference failed");
    }

    private static Task WriteError(HttpContext http, ApiError error, bool openAi) => openAi
        ? ServerContext.WriteAsync(http, new OpenAiErrorResponse(error.Message, error.Status, error.Type), ServerJson.Tei.OpenAiErrorResponse, error.Status)
        : ServerContext.WriteAsync(http, new ErrorResponse(error.Message, error.Type), ServerJson.Tei.ErrorResponse, error.Status);
}
