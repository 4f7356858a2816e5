namespace Electra.Server;

/// <summary>
/// How <c>electra serve</c> listens and batches; the defaults are TEI's where TEI has the same option.
/// </summary>
/// <param name="Host">Address to bind; loopback unless told otherwise.</param>
/// <param name="Port">TCP port; 0 picks a free one (see <see cref="ElectraServer.BaseAddress"/>).</param>
/// <param name="MaxBatchTokens">Real tokens (special tokens included, no padding) per forward pass.</param>
/// <param name="MaxBatchRequests">Requests merged into one forward pass at most; null: no limit but the token budget.</param>
/// <param name="MaxConcurrentRequests">Inputs admitted at once (queued or running); beyond it a request gets 429 at once.</param>
/// <param name="MaxClientBatchSize">Inputs one request may carry; beyond it 413.</param>
/// <param name="AutoTruncate">Truncate inputs longer than the model's window when a request does not say.</param>
/// <param name="ApiKey">When set, every request needs <c>Authorization: Bearer KEY</c>.</param>
/// <param name="MaxBodyBytes">Request body limit (TEI's payload limit, 2 MB).</param>
/// <param name="ShutdownTimeout">How long a stopping server lets in-flight requests finish; new ones get 503 meanwhile.</param>
public sealed record ServerOptions(
    string Host = "127.0.0.1",
    int Port = 8080,
    int MaxBatchTokens = 16384,
    int? MaxBatchRequests = null,
    int MaxConcurrentRequests = 512,
    int MaxClientBatchSize = 32,
    bool AutoTruncate = false,
    string? ApiKey = null,
    long MaxBodyBytes = 2_000_000,
    TimeSpan? ShutdownTimeout = null)
{
    public static ServerOptions Default { get; } = new();

    /// <summary>The drain time used when <see cref="ShutdownTimeout"/> is not given.</summary>
    public TimeSpan Drain => ShutdownTimeout ?? TimeSpan.FromSeconds(30);
}
