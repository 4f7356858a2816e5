using System.Collections.Concurrent;
using System.Text;

namespace Electra.Server.Metrics;

/// <summary>
/// What /metrics reports in Prometheus' text format: requests by route and status, the queue's size (what an
/// autoscaler reads), batch sizes in requests and tokens, and queue / inference / tokenization latency histograms.
/// </summary>
public sealed class ServerMetrics
{
    private readonly ConcurrentDictionary<(string Route, int Status), long> _requests = new();
    private readonly Histogram _batchRequests;
    private readonly Histogram _batchTokens;
    private readonly Histogram _queueSeconds = new("electra_queue_duration_seconds", "Time requests waited for the inference thread.", Histogram.LatencyBuckets());
    private readonly Histogram _inferenceSeconds = new("electra_inference_duration_seconds", "Time of each forward pass (one batch).", Histogram.LatencyBuckets());
    private readonly Histogram _tokenizationSeconds = new("electra_tokenization_duration_seconds", "Time spent tokenizing each request, on the request's thread.", Histogram.LatencyBuckets());
    private readonly Histogram _requestSeconds = new("electra_request_duration_seconds", "Time from a request's arrival to its answer.", Histogram.LatencyBuckets());
    private long _queueSize;
    private long _dropped;
    private long _refusedOverloaded;
    private long _refusedDraining;

    public ServerMetrics(ServerOptions options)
    {
        _batchRequests = new("electra_batch_size", "Requests merged into each forward pass.", Histogram.PowersOfTwo(Math.Max(1, Math.Min(options.MaxBatchRequests ?? options.MaxConcurrentRequests, 1024))));
        _batchTokens = new("electra_batch_tokens", "Real tokens (no padding) in each forward pass.", Histogram.PowersOfTwo(Math.Max(1, options.MaxBatchTokens)));
    }

    internal void Request(string route, int status, TimeSpan duration)
    {
        _requests.AddOrUpdate((route, status), 1, static (_, n) => n + 1);
        _requestSeconds.Observe(duration.TotalSeconds);
    }

    internal void QueueSize(int size) => Interlocked.Exchange(ref _queueSize, size);
    internal void Dropped() => Interlocked.Increment(ref _dropped);
    internal void Overloaded() => Interlocked.Increment(ref _refusedOverloaded);
    internal void Draining() => Interlocked.Increment(ref _refusedDraining);
    internal void QueueTime(TimeSpan t) => _queueSeconds.Observe(t.TotalSeconds);
    internal void Tokenization(TimeSpan t) => _tokenizationSeconds.Observe(t.TotalSeconds);

    internal void Batch(int requests, int tokens, TimeSpan inference)
    {
        _batchRequests.Observe(requests);
        _batchTokens.Observe(tokens);
        _inferenceSeconds.Observe(inference.TotalSeconds);
    }

    /// <summary>Requests dropped from the queue because their client disconnected.</summary>
    public long DroppedCount => Interlocked.Read(ref _dropped);

    /// <summary>Forward passes run so far.</summary>
    public long BatchCount => _batchRequests.Count;

    /// <summary>The text /metrics serves.</summary>
    public string Render()
    {
        var text = new StringBuilder();
        text.Append("# HELP electra_requests_total Requests answered, by route and HTTP status.\n# TYPE electra_requests_total counter\n");
        foreach (var ((route, status), n) in _requests.OrderBy(kv => kv.Key.Route, StringComparer.Ordinal).ThenBy(kv => kv.Key.Status))
            text.Append("electra_requests_total{route=\"").Append(route).Append("\",status=\"").Append(status).Append("\"} ").Append(n).Append('\n');
        Gauge(text, "electra_queue_size", "Requests waiting for the inference thread.", Interlocked.Read(ref _queueSize));
        Counter(text, "electra_requests_dropped_total", "Queued requests dropped because their client disconnected.", DroppedCount);
        text.Append("# HELP electra_requests_refused_total Requests refused before queueing: overloaded (429) or shutting down (503).\n# TYPE electra_requests_refused_total counter\n");
        text.Append("electra_requests_refused_total{reason=\"overloaded\"} ").Append(Interlocked.Read(ref _refusedOverloaded)).Append('\n');
        text.Append("electra_requests_refused_total{reason=\"draining\"} ").Append(Interlocked.Read(ref _refusedDraining)).Append('\n');
        _batchRequests.Render(text);
        _batchTokens.Render(text);
        _queueSeconds.Render(text);
        _inferenceSeconds.Render(text);
        _tokenizationSeconds.Render(text);
        _requestSeconds.Render(text);
        return text.ToString();
    }

    private static void Gauge(StringBuilder text, string name, string help, long value) =>
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append("\n# TYPE ").Append(name).Append(" gauge\n")
            .Append(name).Append(' ').Append(value).Append('\n');

    private static void Counter(StringBuilder text, string name, string help, long value) =>
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append("\n# TYPE ").Append(name).Append(" counter\n")
            .Append(name).Append(' ').Append(value).Append('\n');
}
