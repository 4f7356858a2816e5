using System.Collections.Concurrent;
using Electra.Hub;
using Electra.Tests.Checkpoints;
using Electra.Tests.Support;

namespace Electra.Tests.Hub;

/// <summary>A fake hub, an empty cache folder and options pointing at both; a guard token that ends a hung test.</summary>
public sealed class HubFixture : IAsyncDisposable
{
    public const string Commit = "0123456789abcdef0123456789abcdef01234567";
    public const string OtherCommit = "fedcba9876543210fedcba9876543210fedcba98";

    private readonly TempFolder _dir = new();
    private readonly CancellationTokenSource _guard = new(TimeSpan.FromMinutes(3));

    public FakeHub Hub { get; } = new();
    public string CacheRoot => Path.Combine(_dir.Path, "hub");
    public string Temp => _dir.Path;
    public ConcurrentQueue<HubDownloadProgress> Reports { get; } = new();

    /// <summary>Not a timing assertion: only a bound so that a bug cannot hang the suite.</summary>
    public CancellationToken Guard => _guard.Token;

    public HubOptions Options => new()
    {
        Endpoint = Hub.Endpoint,
        Cache = new HubCacheRoot(CacheRoot, "test"),
        ResumeDelay = TimeSpan.Zero,
        LockPollInterval = TimeSpan.FromMilliseconds(10),
        RequestTimeout = TimeSpan.FromSeconds(60),
        ReadTimeout = TimeSpan.FromSeconds(60),
    };

    /// <summary>Reports straight into <see cref="Reports"/> (no synchronization context, unlike Progress&lt;T&gt;).</summary>
    public IProgress<HubDownloadProgress> Progress => new Recorder(Reports);

    public string RepoFolder(string id) => Path.Combine(CacheRoot, ModelLocator.CacheFolderName(id));

    public Task<HubSnapshot> DownloadAsync(string id, string? revision = null, IReadOnlyList<string>? include = null, HubOptions? options = null) =>
        HubDownload.DownloadAsync(id, revision, include, options ?? Options, Progress, Guard);

    /// <summary>The pretraining_gelu fixture (config + safetensors) with a tokenizer and files a model does not need.</summary>
    public static Dictionary<string, byte[]> SmallModel()
    {
        var fixture = SharedData.Fixture("pretraining_gelu");
        return new()
        {
            ["config.json"] = File.ReadAllBytes(Path.Combine(fixture, "config.json")),
            ["model.safetensors"] = File.ReadAllBytes(Path.Combine(fixture, "model.safetensors")),
            ["vocab.txt"] = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\n"u8.ToArray(),
            ["tokenizer_config.json"] = """{"do_lower_case": true}"""u8.ToArray(),
            ["README.md"] = "# a model card\n"u8.ToArray(),
            [".gitattributes"] = "*.safetensors filter=lfs\n"u8.ToArray(),
            ["tf_model.h5"] = new byte[5000],
            ["onnx/model.onnx"] = new byte[3000],
            ["inputs.json"] = File.ReadAllBytes(Path.Combine(fixture, "inputs.json")),
        };
    }

    public async ValueTask DisposeAsync()
    {
        await Hub.DisposeAsync();
        _guard.Dispose();
        _dir.Dispose();
    }

    private sealed class Recorder(ConcurrentQueue<HubDownloadProgress> into) : IProgress<HubDownloadProgress>
    {
        public void Report(HubDownloadProgress value) => into.Enqueue(value);
    }
}
