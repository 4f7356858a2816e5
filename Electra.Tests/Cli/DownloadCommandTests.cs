using Electra.Cli;
using Electra.Core.Checkpoints;
using Electra.Tests.Hub;
using Electra.Tests.Support;

namespace Electra.Tests.Cli;

/// <summary>`electra download` and `--model HUB_ID` against the fake hub, configured only through HF_* variables.</summary>
[Collection(nameof(HubEnvironmentCollection))]
public sealed class DownloadCommandTests : IAsyncLifetime
{
    private const string Id = "someone/tiny-electra";
    private readonly HubFixture _f = new();

    public Task InitializeAsync()
    {
        _f.Hub.Add(Id, HubFixture.Commit, HubFixture.SmallModel());
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _f.DisposeAsync();

    private HubEnvironment Environment(bool offline = false) => new(new Dictionary<string, string?>
    {
        ["HF_ENDPOINT"] = _f.Hub.Endpoint, ["HF_HUB_CACHE"] = _f.CacheRoot, ["HF_HUB_OFFLINE"] = offline ? "1" : null,
    });

    private static (int Code, string Out, string Err) Run(params string[] args) => RunWithInput("", args);

    private static (int Code, string Out, string Err) RunWithInput(string stdin, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CommandLine.Run(args, stdout, stderr, new StringReader(stdin));
        return (code, stdout.ToString(), stderr.ToString());
    }

    private string Snapshot => Path.Combine(_f.RepoFolder(Id), "snapshots", HubFixture.Commit);

    [Fact]
    public void DownloadPrintsTheSnapshotFolderAndFetchesOnlyTheModelFiles()
    {
        using var env = Environment();
        var (code, stdout, stderr) = Run("download", Id);
        Assert.True(code == 0, stderr);
        Assert.Equal(Snapshot, stdout.Trim());
        Assert.Contains($"{Id}@{HubFixture.Commit}: 4 files, 4 downloaded, 0 already in the cache ({_f.CacheRoot}, from HF_HUB_CACHE)", stderr);
        Assert.Equal(["config.json", "model.safetensors", "tokenizer_config.json", "vocab.txt"],
            Directory.GetFiles(Snapshot).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        (code, _, stderr) = Run("download", Id);
        Assert.Equal(0, code);
        Assert.Contains("4 files, 0 downloaded, 4 already in the cache", stderr);
    }

    [Fact]
    public void IncludeTakesSeveralPatterns()
    {
        using var env = Environment();
        var (code, _, stderr) = Run("download", Id, "--include", "*.json", "onnx/", "--revision", "main");
        Assert.True(code == 0, stderr);
        Assert.Equal(["config.json", "inputs.json", "onnx", "tokenizer_config.json"],
            Directory.GetFileSystemEntries(Snapshot).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void ModelOptionDownloadsWhatIsMissingThenWorksOffline()
    {
        var fixture = SharedData.Fixture("pretraining_gelu");
        string inputs = Path.Combine(fixture, "inputs.json"), output = Path.Combine(_f.Temp, "out.safetensors");
        using (Environment())
        {
            var (code, _, stderr) = Run("forward", "--model", Id, "--offline", "--inputs", inputs, "--out", output);
            Assert.Equal(1, code);
            Assert.Single(stderr.Trim().Split('\n'));
            Assert.Contains("offline mode", stderr);
            Assert.Contains($"electra download {Id}", stderr);
            Assert.Empty(_f.Hub.HubRequests);

            (code, _, stderr) = Run("forward", "--model", Id, "--inputs", inputs, "--out", output);
            Assert.True(code == 0, stderr);
            using var written = SafetensorsFile.Open(output);
            Assert.True(written.Contains("logits"));
        }
        int requests = _f.Hub.HubRequests.Count;
        using (Environment(offline: true))
        {
            var (code, stdout, stderr) = RunWithInput("{\"text\": \"the\"}\n", "tokenize", "--model", Id);
            Assert.True(code == 0, stderr);
            Assert.Contains("\"input_ids\":[2,5,3]", stdout); // [CLS] the [SEP] in the fake repo's vocab
            Assert.Equal(requests, _f.Hub.HubRequests.Count);
        }
    }

    [Fact]
    public void HubErrorsAreOneLineWithExitCodeOne()
    {
        _f.Hub.Repos[Id].Gated = true;
        using var env = Environment();
        var (code, _, stderr) = Run("download", Id);
        Assert.Equal(1, code);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.Contains("electra download: error:", stderr);
        Assert.Contains("gated", stderr);

        (code, _, stderr) = Run("download", "someone/other", "--revision", "main");
        Assert.Equal(1, code);
        Assert.Contains("'someone/other' not found", stderr);
    }

    [Fact]
    public void NotAHubIdIsAUsageError()
    {
        using var env = Environment();
        var (code, _, stderr) = Run("download", "a/b/c");
        Assert.Equal(2, code);
        Assert.Contains("is not a hub id", stderr);
        (code, _, stderr) = Run("download");
        Assert.Equal(2, code);
    }
}
