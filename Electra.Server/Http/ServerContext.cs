using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Threading.Channels;
using Electra.Models.Pipelines;
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
        throw ApiError.BadBody($"truncation_direction: unknown variant `{direction}`, expected `left` or `right`");
    }

    /// <summary>
    /// Runs one request through the queue: admission (429 at once when full), preparation (tokenization) on this
    /// thread, the forward pass on the inference thread batched with other requests, post-processing back here.
    /// </summary>
    public async Task<T> RunAsync<T>(HttpContext http, int inputs, Func<PipelineWork<T>> prepare)
    {
        if (!Queue.TryAdmit(inputs))
        {
            Metrics.Overloaded();
            throw ApiError.Overloaded();
        }
        QueuedWork? item = null;
        bool enqueued = false;
        long start = Stopwatch.GetTimestamp();
        try
        {
            var work = prepare();
            var tokenization = Stopwatch.GetElapsedTime(start);
            Metrics.Tokenization(tokenization);
            http.Items[TimingKey] = new Timing { Tokenization = tokenization, Tokens = work.TokenCount };
            item = new QueuedWork(work, inputs, http.RequestAborted);
            var done = Queue.Enqueue(item);
            enqueued = true;   // from here on the queue gives the permits back when the work leaves it
            await done.ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            Queue.Release(inputs);
            throw new ApiError(ErrorType.Unhealthy, "the server is shutting down");
        }
        catch when (!enqueued)
        {
            Queue.Release(inputs);
            throw;
        }
        if (http.Items[TimingKey] is Timing t)
        {
            t.Queue = item.QueueTime;
            t.Inference = item.InferenceTime;
        }
        return ((PipelineWork<T>)item.Work).Complete();
    }

    private const string TimingKey = "electra.timing";

    internal sealed class Timing
    {
        public TimeSpan Tokenization, Queue, Inference;
        public int Tokens;
    }

    /// <summary>TEI's response headers: x-compute-type, x-compute-characters, x-compute-tokens and the times in ms.</summary>
    public void AddTimingHeaders(HttpContext http, int characters, long startTimestamp)
    {
        var h = http.Response.Headers;
        h["x-compute-type"] = Model.Pipeline.Model.Backend.GetType().Name.Contains("Vulkan", StringComparison.Ordinal) ? "gpu" : "cpu";
        h["x-compute-characters"] = characters.ToString(CultureInfo.InvariantCulture);
        h["x-total-time"] = Ms(Stopwatch.GetElapsedTime(startTimestamp));
        if (http.Items[TimingKey] is Timing t)
        {
            h["x-compute-tokens"] = t.Tokens.ToString(CultureInfo.InvariantCulture);
            h["x-tokenization-time"] = Ms(t.Tokenization);
            h["x-queue-time"] = Ms(t.Queue);
            h["x-inference-time"] = Ms(t.Inference);
            h["x-compute-time"] = Ms(t.Tokenization + t.Queue + t.Inference);
        }
    }

    private static string Ms(TimeSpan t) => ((long)t.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
}
