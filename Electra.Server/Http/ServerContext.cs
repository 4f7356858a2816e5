using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Electra.Server.Batching;
using Electra.Server.Metrics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Electra.Server.Http;

/// <summary>What every route handler needs: the model, the options, the queue, the metrics.</summary>
internal sealed class ServerContext(ServedModel model, ServerOptions options, InferenceQueue queue, ServerMetrics metrics, ServerState state, ILogger log)
{
    public ServedModel Model { get; } = model;
    public ServerOptions Options { get; } = options;
    public InferenceQueue Queue { get; } = queue;
    public ServerMetrics Metrics { get; } = metrics;
    public ServerState State { get; } = state;
    public ILogger Log { get; } = log;

    /// <summary>The request body as <typeparamref name="T"/>; a body that does not fit is a 422.</summary>
    public static async Task<T> ReadAsync<T>(HttpContext http, JsonTypeInfo<T> type)
    {
        try
        {
            return await JsonSerializer.DeserializeAsync(http.Request.Body, type, http.RequestAborted)
                ?? throw ApiError.BadBody("expected a JSON object");
        }
        catch (JsonException ex)
        {
            throw ApiError.BadBody(ex.Message);
        }
    }

    public static async Task WriteAsync<T>(HttpContext http, T value, JsonTypeInfo<T> type, int status = 200)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(http.Response.Body, value, type, http.RequestAborted);
    }

    /// <summary>Refuses a client batch larger than --max-client-batch-size (413) or an empty one (400).</summary>
    public void CheckBatch(int count, bool isBatch, string field = "inputs")
    {
        if (isBatch && count == 0) throw ApiError.EmptyBatch(field);
        if (count > Options.MaxClientBatchSize) throw ApiError.BatchTooLarge(count, Options.MaxClientBatchSize);
    }

    /// <summary>TEI's truncation_direction: "right" (the default) cuts the end; ELECTRA's pipelines cut only the end.</summary>
    public static void CheckDirection(string? direction)
    {
        if (direction is null || direction.Equals("right", StringComparison.OrdinalIgnoreCase)) return;
        if (direction.Equals("left", StringComparison.OrdinalIgnoreCase))
            throw new ApiError(ErrorType.Validation, "Input validation error: truncation_direction \"left\" is not supported by this server; use \"right\"", 422);
        throw ApiError.BadBody($"truncation_direction: unknown variant `{direction}`, expected `Left` or `Right`");
    }

    /// <summary>What TEI's <c>x-compute-type</c> header says: "gpu" on Vulkan, "cpu" otherwise.</summary>
    public string ComputeType { get; } =
        model.Pipeline.Model.Backend.GetType().Name.Contains("Vulkan", StringComparison.Ordinal) ? "gpu" : "cpu";

    readonly TokenBound _bound = new(model.Pipeline.Tokenizer);

    /// <summary>
    /// TEI's checks before tokenizing for the model: not empty (400), and within the window unless truncating (413).
    /// Only a text that could be too long is tokenized here: the pipeline tokenizes every text once it is admitted.
    /// </summary>
    public void CheckInput(string text, string? pair, bool truncate)
    {
        if (text.Length == 0 && string.IsNullOrEmpty(pair))
            throw new ApiError(ErrorType.Empty, "Input validation error: `inputs` cannot be empty");
        if (truncate) return;
        var p = Model.Pipeline;
        if (_bound.Max(text, pair) <= p.MaxLength) return;
        int length = p.Tokenizer.Encode(text, pair).Length;
        if (length > p.MaxLength) throw ApiError.TooLong(p.MaxLength, length);
    }
}
