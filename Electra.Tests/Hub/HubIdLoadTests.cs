using Electra.Core.Errors;
using Electra.Cpu;
using Electra.Hub;
using Electra.Models;
using Electra.Models.Pipelines;
using Electra.Tests.Support;

namespace Electra.Tests.Hub;

/// <summary>
/// A user's view: only environment variables (HF_ENDPOINT, HF_HUB_CACHE, HF_TOKEN, HF_HUB_OFFLINE) and a hub id passed
/// to <c>Load</c>; the demo discriminator is served by the fake hub, downloaded, loaded and run.
/// </summary>
[Collection(nameof(HubEnvironmentCollection))]
public sealed class HubIdLoadTests : IAsyncLifetime
{
    private const string Id = "demo/electra-tiny-rtd";
    private readonly HubFixture _f = new();

    public Task InitializeAsync()
    {
        string folder = Path.Combine(SharedData.RepoRoot, "models", "electra-tiny-rtd", "discriminator");
        _f.Hub.Add(Id, HubFixture.Commit, Directory.GetFiles(folder).ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes)).Private = true;
        _f.Hub.Token = "hf_fromTheTokenFile";
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _f.DisposeAsync();

    private HubEnvironment Environment(bool offline = false)
    {
        // The token comes from the file huggingface-cli login writes (HF_HOME/token), not from HF_TOKEN.
        string home = Directory.CreateDirectory(Path.Combine(_f.Temp, "hf-home")).FullName;
        File.WriteAllText(Path.Combine(home, "token"), "hf_fromTheTokenFile\n");
        return new HubEnvironment(new Dictionary<string, string?>
        {
            ["HF_ENDPOINT"] = _f.Hub.Endpoint + "/", ["HF_HOME"] = home, ["HF_HUB_CACHE"] = _f.CacheRoot,
            ["HF_HUB_OFFLINE"] = offline ? "1" : null,
        });
    }

    [Fact]
    public void PipelineLoadWithAHubIdDownloadsAndRunsTheModel()
    {
        using var env = Environment();
        using var backend = new CpuBackend();
        var detect = ReplacedTokenDetection.Load(Id, backend);
        var result = detect.Run("The quick brown fox fake over the lazy dog");
        Assert.Equal("fake", result.MostLikelyReplaced!.Word);
        Assert.Equal(0.422, result.MostLikelyReplaced.Score, 3); // transformers' score for this model and text

        string snapshot = Path.Combine(_f.RepoFolder(Id), "snapshots", HubFixture.Commit);
        Assert.Equal(["config.json", "model.safetensors", "special_tokens_map.json", "tokenizer_config.json", "vocab.txt"],
            Directory.GetFiles(snapshot).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.All(_f.Hub.HubRequests, r => Assert.Equal("Bearer hf_fromTheTokenFile", r.Header("Authorization")));
    }

    [Fact]
    public void ElectraPretrainedLoadWithAHubIdWorksOfflineOnceCached()
    {
        using (Environment(offline: true))
        {
            using var backend = new CpuBackend();
            var e = Assert.Throws<ModelNotFoundException>(() => ElectraPretrained.Load(Id, backend));
            Assert.Contains("offline mode", e.Message);
            Assert.Empty(_f.Hub.HubRequests);
        }
        using (Environment())
        {
            using var backend = new CpuBackend();
            Assert.Equal(ElectraArchitecture.ElectraForPreTraining, ElectraPretrained.Load(Id, backend).Architecture);
        }
        int requests = _f.Hub.HubRequests.Count;
        using (Environment(offline: true))
        {
            using var backend = new CpuBackend();
            var model = ElectraPretrained.Load(Id, backend);
            Assert.Equal(Path.Combine(_f.RepoFolder(Id), "snapshots", HubFixture.Commit), model.SourceDirectory);
            Assert.Equal(requests, _f.Hub.HubRequests.Count);
        }
    }

    [Fact]
    public void AMissingFolderThatLooksLikeAHubIdSaysBoth()
    {
        using var env = Environment();
        using var backend = new CpuBackend();
        var e = Assert.Throws<HubRepositoryNotFoundException>(() => ElectraPretrained.Load("nowhere/model", backend));
        Assert.Contains($"folder '{Path.GetFullPath("nowhere/model")}' does not exist, and", e.Message);
        Assert.Contains("'nowhere/model' not found", e.Message);
    }

    [Fact]
    public void SentenceTransformersModelWithAHubIdGetsItsModuleFiles()
    {
        const string st = "demo/electra-tiny-st";
        string folder = Path.Combine(SharedData.RepoRoot, "models", "electra-tiny-rtd", "discriminator");
        var files = Directory.GetFiles(folder).ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);
        files["modules.json"] = """
            [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
             {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
             {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}]
            """u8.ToArray();
        files["sentence_bert_config.json"] = """{"max_seq_length": 64, "do_lower_case": false}"""u8.ToArray();
        files["1_Pooling/config.json"] = """{"word_embedding_dimension": 128, "pooling_mode_cls_token": true, "pooling_mode_mean_tokens": false}"""u8.ToArray();
        _f.Hub.Add(st, HubFixture.Commit, files);

        using var env = Environment();
        using var backend = new CpuBackend();
        var embed = SentenceEmbedding.Load(st, backend);
        Assert.Equal(PoolingConfig.Of(PoolingMode.Cls), embed.Config.Pooling);
        Assert.True(embed.Config.Normalize);
        Assert.Equal(64, embed.Config.MaxSeqLength);
        var vector = embed.Run("The quick brown fox").Embedding;
        Assert.Equal(1.0, Math.Sqrt(vector.Sum(v => (double)v * v)), 5);

        // The same files as a plain folder give the same embedding.
        string local = Directory.CreateDirectory(Path.Combine(_f.Temp, "st-local")).FullName;
        foreach (var (name, bytes) in files)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(local, name))!);
            File.WriteAllBytes(Path.Combine(local, name), bytes);
        }
        Assert.Equal(vector.ToArray(), SentenceEmbedding.Load(local, backend).Run("The quick brown fox").Embedding.ToArray());
    }
}
