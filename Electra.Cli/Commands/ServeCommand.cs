using System.CommandLine;
using Electra.Cli.Options;
using Electra.Models;
using Electra.Models.Pipelines;
using Electra.Server;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Electra.Cli.Commands;

/// <summary><c>electra serve</c>: the model behind a Text Embeddings Inference (TEI) compatible HTTP server until SIGTERM or Ctrl+C.</summary>
public static class ServeCommand
{
    public static Command Create(CliIO io)
    {
        var command = new Command("serve",
            "a Text Embeddings Inference (TEI) compatible HTTP server with token-budget dynamic batching: /embed, /embed_all, " +
            "/v1/embeddings, /predict, /rerank, /tokenize, /decode, /health, /info, /metrics, and ELECTRA's /detect, " +
            "/token-classification, /question-answering, /fill-mask (the model's head decides which answer)");
        var model = new ModelOptionGroup(command, SharedOptions.Model(
            "the model folder or hub id; a sentence-transformers folder (modules.json) or --head ElectraModel serves embeddings", required: true), head: true);
        var d = ServerOptions.Default;
        var host = command.Define(new Option<string>("--host") { Description = "address to listen on; loopback unless told otherwise (default: 127.0.0.1)", HelpName = "ADDRESS" });
        var port = command.Define(SharedOptions.Int("--port", "TCP port; 0 picks a free one (default: 8080)", "PORT", min: 0));
        var batchTokens = command.Define(SharedOptions.Int("--max-batch-tokens", $"real tokens (no padding) per forward pass (default: {d.MaxBatchTokens})", "N", min: 1));
        var batchRequests = command.Define(SharedOptions.Int("--max-batch-requests", "requests merged into one forward pass (default: no limit but the token budget)", "N", min: 1));
        var concurrent = command.Define(SharedOptions.Int("--max-concurrent-requests", $"inputs admitted at once; beyond it 429 at once (default: {d.MaxConcurrentRequests})", "N", min: 1));
        var clientBatch = command.Define(SharedOptions.Int("--max-client-batch-size", $"inputs per request; beyond it 413 (default: {d.MaxClientBatchSize})", "N", min: 1));
        var autoTruncate = command.Define(SharedOptions.Flag("--auto-truncate", "truncate inputs longer than the model's window when a request does not say"));
        var apiKey = command.Define(new Option<string>("--api-key") { Description = "require Authorization: Bearer KEY on every request (default: $ELECTRA_API_KEY, else none)", HelpName = "KEY" });
        var payload = command.Define(SharedOptions.Int("--payload-limit", $"request body limit in bytes (default: {d.MaxBodyBytes})", "BYTES", min: 1));
        var drain = command.Define(SharedOptions.Int("--shutdown-timeout", "seconds a stopping server answers requests in flight (default: 30)", "S", min: 0));
        var logLevel = command.Define(SharedOptions.Choice("--log-level", "log lines on stderr; debug adds one per request (default: info)", "debug", "info", "warning", "error"));
        command.SetAction(r =>
        {
            var options = new ServerOptions(
                Host: r.GetValue(host) ?? d.Host,
                Port: r.GetValue(port) ?? d.Port,
                MaxBatchTokens: r.GetValue(batchTokens) ?? d.MaxBatchTokens,
                MaxBatchRequests: r.GetValue(batchRequests),
                MaxConcurrentRequests: r.GetValue(concurrent) ?? d.MaxConcurrentRequests,
                MaxClientBatchSize: r.GetValue(clientBatch) ?? d.MaxClientBatchSize,
                AutoTruncate: r.GetValue(autoTruncate),
                ApiKey: r.GetValue(apiKey) ?? Environment.GetEnvironmentVariable("ELECTRA_API_KEY"),
                MaxBodyBytes: r.GetValue(payload) ?? d.MaxBodyBytes,
                ShutdownTimeout: r.GetValue(drain) is int s ? TimeSpan.FromSeconds(s) : null);
            var level = r.GetValue(logLevel) switch
            {
                "debug" => LogLevel.Debug,
                "warning" => LogLevel.Warning,
                "error" => LogLevel.Error,
                _ => LogLevel.Information,
            };
            return RunAsync(r.GetValue(model.Model)!, model.Read(r), options, level, io.Out, io.Err).GetAwaiter().GetResult();
        });
        return command;
    }

    private static async Task<int> RunAsync(string modelName, ModelLoadOptions load, ServerOptions options, LogLevel level, TextWriter stdout, TextWriter stderr)
    {
        using var backend = load.CreateBackend();
        var directory = ModelDirectory.Resolve(modelName, load.Revision);
        var head = load.Head is { } h ? ElectraArchitectures.Parse(h) : (ElectraArchitecture?)null;
        var model = ServedModel.Load(directory, backend, modelName, head, new PipelineSettings(BatchSize: 32));
        ElectraServer server;
        try
        {
            server = await ElectraServer.StartAsync(model, options, logging => logging
                .SetMinimumLevel(level)
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
