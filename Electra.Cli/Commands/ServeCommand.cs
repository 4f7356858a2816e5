using Electra.Models;
using Electra.Models.Pipelines;
using Electra.Server;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Electra.Cli.Commands;

/// <summary>`electra serve`: the model behind a TEI-compatible HTTP server until SIGTERM or Ctrl+C.</summary>
public static class ServeCommand
{
    public const string Usage = """
        usage: electra serve --model DIR|HUB_ID [--revision REV] [--head CLASS] [--backend cpu|vulkan] [--device N] [--threads T]
                             [--host 127.0.0.1] [--port 8080] [--max-batch-tokens 16384] [--max-batch-requests N]
                             [--max-concurrent-requests 512] [--max-client-batch-size 32] [--auto-truncate] [--api-key KEY]
                             [--payload-limit 2000000] [--shutdown-timeout 30] [--log-level info]
        Text Embeddings Inference routes (/predict, /rerank, /tokenize, /decode, /health, /info, /metrics) and ELECTRA's
        own (/detect, /token-classification, /question-answering, /fill-mask); the model's head decides which answer.
        Requests are batched by token budget; SIGTERM answers the requests in flight, then exits.
        """;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var a = new Arguments(args, new HashSet<string> { "auto-truncate" });
        var settings = Read(a);
        a.RejectUnknown();
        if (a.Positional.Count > 0) throw new UsageException($"unexpected argument '{a.Positional[0]}'");
        return RunAsync(settings, stdout, stderr).GetAwaiter().GetResult();
    }

    internal sealed record Settings(string Model, ModelLoadOptions Load, ServerOptions Server, LogLevel LogLevel);

    private static Settings Read(Arguments a)
    {
        string model = a.Required("model");
        var load = ModelLoadOptions.Read(a);
        var d = ServerOptions.Default;
        var server = new ServerOptions(
            Host: a.Get("host") ?? d.Host,
            Port: a.Int("port") ?? d.Port,
            MaxBatchTokens: a.Int("max-batch-tokens") ?? d.MaxBatchTokens,
            MaxBatchRequests: a.Int("max-batch-requests"),
            MaxConcurrentRequests: a.Int("max-concurrent-requests") ?? d.MaxConcurrentRequests,
            MaxClientBatchSize: a.Int("max-client-batch-size") ?? d.MaxClientBatchSize,
            AutoTruncate: a.Flag("auto-truncate"),
            ApiKey: a.Get("api-key") ?? Environment.GetEnvironmentVariable("ELECTRA_API_KEY"),
            MaxBodyBytes: a.Int("payload-limit") ?? d.MaxBodyBytes,
            ShutdownTimeout: a.Int("shutdown-timeout") is int s ? TimeSpan.FromSeconds(s) : null);
        var level = (a.Get("log-level") ?? "info").ToLowerInvariant() switch
        {
            "debug" => LogLevel.Debug,
            "info" => LogLevel.Information,
            "warning" or "warn" => LogLevel.Warning,
            "error" => LogLevel.Error,
            var other => throw new UsageException($"--log-level must be debug, info, warning or error, got '{other}'"),
        };
        return new Settings(model, load, server, level);
    }

    private static async Task<int> RunAsync(Settings s, TextWriter stdout, TextWriter stderr)
    {
        using var backend = s.Load.CreateBackend();
        var directory = ModelDirectory.Resolve(s.Model, s.Load.Revision);
        var head = s.Load.Head is { } h ? ElectraArchitectures.Parse(h) : (ElectraArchitecture?)null;
        var model = ServedModel.Load(directory, backend, s.Model, head, new PipelineSettings(BatchSize: 32));
        ElectraServer server;
        try
        {
            server = await ElectraServer.StartAsync(model, s.Server, logging => logging
                .SetMinimumLevel(s.LogLevel)
                .AddFilter("Microsoft", LogLevel.Warning)
                .AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; })
                .Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace));
        }
        catch (ArgumentException ex)
        {
            throw new UsageException(ex.Message);
        }
        await using (server)
        {
            // Scripts wait for this line (or poll /health) before sending requests.
            stdout.WriteLine($"electra serve: {model.Architecture} on {server.BaseAddress}");
            stdout.Flush();
            await server.WaitForShutdownAsync();
        }
        stderr.WriteLine("electra serve: stopped");
        return 0;
    }
}
