using System.Globalization;
using System.Reflection;
using Electra.Models;
using Electra.Models.Pipelines;
using Microsoft.AspNetCore.Http;

namespace Electra.Server.Http;

/// <summary>TEI's GET routes: /health, /info, /metrics.</summary>
internal static class InfoRoutes
{
    public static Task Health(HttpContext http, ServerContext s)
    {
        if (s.State.Draining || s.Queue.Stopped.IsCompleted)
            throw new ApiError(ErrorType.Unhealthy, "unhealthy");
        http.Response.StatusCode = 200;
        return Task.CompletedTask;
    }

    public static Task Info(HttpContext http, ServerContext s) =>
        ServerContext.WriteAsync(http, Describe(s.Model, s.Options), ServerJson.Tei.InfoResponse);

    public static async Task Metrics(HttpContext http, ServerContext s)
    {
        http.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        await http.Response.WriteAsync(s.Metrics.Render(), http.RequestAborted);
    }

    internal static InfoResponse Describe(ServedModel model, ServerOptions options)
    {
        var config = model.Pipeline.Model.Config;
        var labels = new ClassifierModelInfo(
            new SortedDictionary<string, string>(config.Id2Label.ToDictionary(kv => kv.Key.ToString(CultureInfo.InvariantCulture), kv => kv.Value), StringComparer.Ordinal),
            new SortedDictionary<string, int>(config.Id2Label.GroupBy(kv => kv.Value).ToDictionary(g => g.Key, g => g.Last().Key), StringComparer.Ordinal));
        var none = new Dictionary<string, string>();
        var type = model.Architecture switch
        {
            ElectraArchitecture.ElectraForSequenceClassification when model.IsReranker => new ModelTypeInfo { Reranker = labels },
            ElectraArchitecture.ElectraForSequenceClassification => new ModelTypeInfo { Classifier = labels },
            ElectraArchitecture.ElectraForTokenClassification => new ModelTypeInfo { TokenClassifier = labels },
            ElectraArchitecture.ElectraForPreTraining => new ModelTypeInfo { ReplacedTokenDetection = none },
            ElectraArchitecture.ElectraForQuestionAnswering => new ModelTypeInfo { QuestionAnswering = none },
            ElectraArchitecture.ElectraForMaskedLM => new ModelTypeInfo { FillMask = none },
            _ => new ModelTypeInfo { Embedding = new EmbeddingModelInfo(model.Embedder is { } e
                ? string.Join("+", e.Config.Pooling.OrderedModes.Select(PoolingConfig.ModeName)) : "mean") },
        };
        return new InfoResponse(
            ModelId: model.ModelId,
            ModelSha: null,
            ModelDtype: "float32",
            ModelType: type,
            MaxConcurrentRequests: options.MaxConcurrentRequests,
            MaxInputLength: model.Pipeline.MaxLength,
            MaxBatchTokens: options.MaxBatchTokens,
            MaxBatchRequests: options.MaxBatchRequests,
            MaxClientBatchSize: options.MaxClientBatchSize,
            AutoTruncate: options.AutoTruncate,
            TokenizationWorkers: Environment.ProcessorCount,
            Version: (typeof(InfoRoutes).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.1.0").Split('+')[0],
            Sha: null,
            DockerLabel: null,
            Architecture: model.Architecture.ToString());
    }
}
