using Electra.Core.Backend;
using Electra.Cpu;
using Electra.Models;
using Electra.Models.Pipelines;
using Electra.Server;
using Electra.Tests.Pipelines;
using Electra.Tests.Support;

namespace Electra.Tests.Server;

/// <summary>The models the server tests serve, loaded once on the CPU: one per head the server routes.</summary>
public sealed class ServerModels : IDisposable
{
    public CpuBackend Backend { get; } = new();

    /// <summary>3-label sequence classifier (seqcls_single_label_3, max length 32, "w5" … "w179" words).</summary>
    public ServedModel Classifier { get; }

    /// <summary>1-label sequence classifier: what TEI calls a re-ranker (seqcls_regression, max length 16).</summary>
    public ServedModel Reranker { get; }

    public ServedModel Detector { get; }
    public ServedModel Generator { get; }
    public ServedModel TokenClassifier { get; }
    public ServedModel QuestionAnswerer { get; }

    /// <summary>ElectraModel (model_proj_gelu) as a sentence embedder: mean pooling, a "query" prompt.</summary>
    public ServedModel Embedder { get; }

    public ServerModels()
    {
        Classifier = ClassifierOn(Backend);
        Reranker = Fixture(Backend, "seqcls_regression", ElectraArchitecture.ElectraForSequenceClassification);
        TokenClassifier = Fixture(Backend, "tokencls_silu", ElectraArchitecture.ElectraForTokenClassification);
        QuestionAnswerer = Fixture(Backend, "qa_positions", ElectraArchitecture.ElectraForQuestionAnswering);
        Embedder = EmbedderOn(Backend);
        Detector = ServedModel.Load(DemoModelFixture.Discriminator, Backend, "electra-tiny-rtd/discriminator");
        Generator = ServedModel.Load(DemoModelFixture.Generator, Backend, "electra-tiny-rtd/generator");
    }

    /// <summary>See <see cref="Classifier"/>; on any backend.</summary>
    public static ServedModel ClassifierOn(IBackend backend) =>
        Fixture(backend, "seqcls_single_label_3", ElectraArchitecture.ElectraForSequenceClassification);

    /// <summary>See <see cref="Embedder"/>; on any backend.</summary>
    public static ServedModel EmbedderOn(IBackend backend)
    {
        var body = ElectraPretrained.Load(SharedData.Fixture("model_proj_gelu"), backend, ElectraArchitecture.ElectraModel);
        return new ServedModel(new PipelineModel(body, TinyVocab.Numbered(body.Config.VocabSize), new PipelineSettings(BatchSize: 2),
                ElectraArchitecture.ElectraModel, "model_proj_gelu"), "model_proj_gelu",
            SentenceTransformerConfig.Default with { Prompts = System.Collections.Immutable.ImmutableSortedDictionary<string, string>.Empty.Add("query", "w7 w8 ") });
    }

    private static ServedModel Fixture(IBackend backend, string name, ElectraArchitecture head)
    {
        var model = ElectraPretrained.Load(SharedData.Fixture(name), backend);
        // Batches of 2 in process, so the in-process results come from batches other than the server's.
        var pipeline = new PipelineModel(model, TinyVocab.Numbered(model.Config.VocabSize), new PipelineSettings(BatchSize: 2), head, name);
        return new ServedModel(pipeline, name);
    }

    public static string Words(Random random, int count, int vocab) =>
        string.Join(" ", Enumerable.Range(0, count).Select(_ => $"w{random.Next(5, vocab)}"));

    public void Dispose() => Backend.Dispose();
}

/// <summary>A server on a free loopback port and a client for it; disposing stops both.</summary>
internal sealed class RunningServer : IAsyncDisposable
{
    public ElectraServer Server { get; }
    public HttpClient Client { get; }

    private RunningServer(ElectraServer server)
    {
        Server = server;
        Client = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
    }

    public static async Task<RunningServer> StartAsync(ServedModel model, ServerOptions? options = null) =>
        new(await ElectraServer.StartAsync(model, (options ?? new ServerOptions()) with { Port = 0, Host = "127.0.0.1" }));

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
    }
}
