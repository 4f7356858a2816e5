namespace Electra.Tests.Hub;

/// <summary>
/// Tests that set the Hugging Face environment variables of this process (as a user's shell does) run alone: the
/// variables are process-wide, and only these tests read them.
/// </summary>
[CollectionDefinition(nameof(HubEnvironmentCollection), DisableParallelization = true)]
public sealed class HubEnvironmentCollection;

/// <summary>Sets variables for one test and restores every Hugging Face variable on Dispose.</summary>
public sealed class HubEnvironment : IDisposable
{
    private static readonly string[] Names =
    [
        "HF_ENDPOINT", "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_HOME", "XDG_CACHE_HOME", "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN",
        "HF_TOKEN_PATH", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_HUB_DISABLE_IMPLICIT_TOKEN", "HF_HUB_ETAG_TIMEOUT", "HF_HUB_DOWNLOAD_TIMEOUT",
    ];

    private readonly Dictionary<string, string?> _saved = Names.ToDictionary(n => n, Environment.GetEnvironmentVariable);

    public HubEnvironment(IReadOnlyDictionary<string, string?> values)
    {
        foreach (var name in Names) Environment.SetEnvironmentVariable(name, null);
        foreach (var (k, v) in values) Environment.SetEnvironmentVariable(k, v);
    }

    public static void Set(string name, string? value) => Environment.SetEnvironmentVariable(name, value);

    public void Dispose()
    {
        foreach (var (k, v) in _saved) Environment.SetEnvironmentVariable(k, v);
    }
}
