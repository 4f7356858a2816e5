using System.Net;
using Electra.Server.Batching;
using Electra.Server.Http;
using Electra.Server.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Electra.Server;

/// <summary>
/// A running <c>electra serve</c>: Kestrel with TEI's routes (ASP.NET Core minimal APIs, source-generated JSON,
/// NativeAOT-safe) in front of the model's batching queue. Stopping (SIGTERM, Ctrl+C or <see cref="StopAsync"/>)
/// refuses new requests with 503, lets in-flight ones finish within <see cref="ServerOptions.ShutdownTimeout"/>,
/// then closes.
/// </summary>
/// <example><code>
/// var model = ServedModel.Load("my-classifier", new CpuBackend(), "my-classifier");
/// await using var server = await ElectraServer.StartAsync(model, new ServerOptions(Port: 0));
/// Console.WriteLine(server.BaseAddress);   // http://127.0.0.1:PORT/
/// await server.WaitForShutdownAsync();
/// </code></example>
public sealed class ElectraServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ServerContext _context;

    private ElectraServer(WebApplication app, ServerContext context, Uri address)
    {
        _app = app;
        _context = context;
        BaseAddress = address;
    }

    /// <summary>Where the server listens, e.g. http://127.0.0.1:8080/.</summary>
    public Uri BaseAddress { get; }

    public ServerMetrics Metrics => _context.Metrics;

    internal InferenceQueue Queue => _context.Queue;
    internal ServerState State => _context.State;

    /// <summary>Starts listening; returns once the port is bound.</summary>
    /// <param name="model">The model to serve.</param>
    /// <param name="options">Address, batching limits, API key.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <param name="configureLogging">Where log lines go (the CLI: one line each on stderr); null: nowhere.</param>
    public static async Task<ElectraServer> StartAsync(ServedModel model, ServerOptions options,
        Action<ILoggingBuilder>? configureLogging = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        configureLogging?.Invoke(builder.Logging);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = options.MaxBodyBytes;
            if (IPAddress.TryParse(options.Host, out var ip)) k.Listen(ip, options.Port);
            else if (options.Host == "localhost") k.ListenLocalhost(options.Port);
            else throw new ArgumentException($"--host must be an IP address or localhost, got '{options.Host}'");
        });
        builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = options.Drain + TimeSpan.FromSeconds(5));
        builder.Services.Configure<ConsoleLifetimeOptions>(c => c.SuppressStatusMessages = true);

        var loggerFactory = LoggerFactory.Create(l => configureLogging?.Invoke(l));
        var log = loggerFactory.CreateLogger("Electra.Server");
        var metrics = new ServerMetrics(options);
        var queue = new InferenceQueue(options, metrics, log);
        var context = new ServerContext(model, options, queue, metrics, new ServerState(), log);
        builder.Services.AddSingleton<IHostedService>(new DrainOnStop(context, loggerFactory));

        var app = builder.Build();
        var apiKey = options.ApiKey is { Length: > 0 } key ? new ApiKeyCheck(key) : null;
        app.Use((http, next) => ErrorHandling.Handle(http, next, context, apiKey));
        MapRoutes(app, context);

        foreach (var (name, count) in model.Pipeline.Model.Report.NonFiniteWeights)
            log.LogWarning("weight {Name} holds {Count} non-finite values: outputs that depend on it will be NaN", name, count);

        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var address = new Uri(bound.Replace("[::]", "localhost", StringComparison.Ordinal).TrimEnd('/') + "/");
        log.LogInformation("serving {Model} ({Head}) on {Address}", model.ModelId, model.Architecture, address);
        return new ElectraServer(app, context, address);
    }

    private static void MapRoutes(WebApplication app, ServerContext s)
    {
        void Post(string path, Func<HttpContext, ServerContext, Task> handler) => app.MapPost(path, http => handler(http, s));
        void Get(string path, Func<HttpContext, ServerContext, Task> handler) => app.MapGet(path, http => handler(http, s));
        Post("/embed", EmbeddingRoutes.Embed);
        Post("/embed_all", EmbeddingRoutes.EmbedAll);
        Post("/v1/embeddings", EmbeddingRoutes.OpenAi);
        Post("/embeddings", EmbeddingRoutes.OpenAi);
        Post("/similarity", EmbeddingRoutes.Similarity);
        Post("/embed_sparse", EmbeddingRoutes.EmbedSparse);
        Post("/predict", ClassifierRoutes.Predict);
        Post("/rerank", ClassifierRoutes.Rerank);
        Post("/tokenize", TokenizerRoutes.Tokenize);
        Post("/decode", TokenizerRoutes.Decode);
        Post("/detect", ElectraRoutes.Detect);
        Post("/token-classification", ElectraRoutes.TokenClassify);
        Post("/question-answering", ElectraRoutes.AnswerQuestion);
        Post("/fill-mask", ElectraRoutes.FillMask);
        Get("/health", InfoRoutes.Health);
        // TEI's aliases: GET / and /ping are health; POST / and /invocations (SageMaker) run the head's own route, which
        // is where Hugging Face's clients send a request given an endpoint URL.
        Get("/", InfoRoutes.Health);
        Get("/ping", InfoRoutes.Health);
        var main = DefaultRoute(s.Model);
        Post("/", main);
        Post("/invocations", main);
        Get("/info", InfoRoutes.Info);
        Get("/metrics", InfoRoutes.Metrics);
    }

    private static Func<HttpContext, ServerContext, Task> DefaultRoute(ServedModel model) => model.Architecture switch
    {
        Models.ElectraArchitecture.ElectraForSequenceClassification when model.IsReranker => ClassifierRoutes.Rerank,
        Models.ElectraArchitecture.ElectraForSequenceClassification => ClassifierRoutes.Predict,
        Models.ElectraArchitecture.ElectraForPreTraining => ElectraRoutes.Detect,
        Models.ElectraArchitecture.ElectraForTokenClassification => ElectraRoutes.TokenClassify,
        Models.ElectraArchitecture.ElectraForQuestionAnswering => ElectraRoutes.AnswerQuestion,
        Models.ElectraArchitecture.ElectraForMaskedLM => ElectraRoutes.FillMask,
        _ => EmbeddingRoutes.Embed,
    };

    private static void Validate(ServerOptions o)
    {
        if (o.MaxBatchTokens < 1) throw new ArgumentException($"--max-batch-tokens must be at least 1, got {o.MaxBatchTokens}");
        if (o.MaxBatchRequests is < 1) throw new ArgumentException($"--max-batch-requests must be at least 1, got {o.MaxBatchRequests}");
        if (o.MaxConcurrentRequests < 1) throw new ArgumentException($"--max-concurrent-requests must be at least 1, got {o.MaxConcurrentRequests}");
        if (o.MaxClientBatchSize < 1) throw new ArgumentException($"--max-client-batch-size must be at least 1, got {o.MaxClientBatchSize}");
        if (o.Port is < 0 or > 65535) throw new ArgumentException($"--port must be 0 to 65535, got {o.Port}");
    }

    /// <summary>Waits until the process is told to stop (SIGTERM, Ctrl+C) or <see cref="StopAsync"/> is called, then drains.</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    /// <summary>Refuses new requests (503), answers those in flight (up to the drain timeout), then stops listening.</summary>
    public Task StopAsync() => _app.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Drains before Kestrel stops: IHostedLifecycleService.StoppingAsync runs before any service's StopAsync.</summary>
    private sealed class DrainOnStop(ServerContext s, ILoggerFactory loggers) : IHostedLifecycleService
    {
        public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public async Task StoppingAsync(CancellationToken cancellationToken)
        {
            if (s.State.Draining) return;
            s.State.StartDraining();
            s.Log.LogInformation("stopping: refusing new requests, answering {Count} in flight", s.State.InFlight);
            bool idle = await s.State.WaitIdleAsync(s.Options.Drain).ConfigureAwait(false);
            if (!idle) s.Log.LogWarning("stopping: {Count} requests still in flight after {Seconds} s", s.State.InFlight, s.Options.Drain.TotalSeconds);
            s.Queue.Complete();
            await Task.WhenAny(s.Queue.Stopped, Task.Delay(s.Options.Drain, CancellationToken.None)).ConfigureAwait(false);
        }

        public Task StoppedAsync(CancellationToken cancellationToken)
        {
            loggers.Dispose();
            return Task.CompletedTask;
        }
    }
}
