using System.Globalization;

namespace Electra.Hub;

/// <summary>
/// Where and how hub models are fetched: the endpoint, the cache folder, the token, offline mode and timeouts.
/// <see cref="FromEnvironment()"/> reads the variables huggingface_hub reads, with its defaults.
/// </summary>
/// <example><code>
/// var options = HubOptions.FromEnvironment() with { Offline = true };
/// string folder = ModelResolver.Resolve("google/electra-small-discriminator", options: options);
/// </code></example>
public sealed record HubOptions
{
    /// <summary>huggingface_hub's default endpoint.</summary>
    public const string DefaultEndpoint = "https://huggingface.co";

    /// <summary>The Hub's base address (<c>HF_ENDPOINT</c>), without a trailing slash.</summary>
    public string Endpoint { get; init; } = DefaultEndpoint;

    /// <summary>The cache folder that holds <c>models--namespace--name</c> (<c>HF_HUB_CACHE</c>, <c>HF_HOME/hub</c>, ...).</summary>
    public required HubCacheRoot Cache { get; init; }

    /// <summary>The token sent to the Hub, or null for anonymous requests (public models need none).</summary>
    public HubToken? Token { get; init; }

    /// <summary>Never touch the network (<c>HF_HUB_OFFLINE=1</c>): hub ids are resolved in the cache only.</summary>
    public bool Offline { get; init; }

    /// <summary>How long to wait for the Hub to answer a request (<c>HF_HUB_ETAG_TIMEOUT</c>, 10 s).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a download may receive nothing before it counts as broken and is resumed (<c>HF_HUB_DOWNLOAD_TIMEOUT</c>, 10 s).</summary>
    public TimeSpan ReadTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How many times in a row a broken download is resumed with a Range request before giving up (5, as huggingface_hub).</summary>
    public int MaxResumes { get; init; } = 5;

    /// <summary>How long to wait before resuming a broken download (1 s, as huggingface_hub).</summary>
    public TimeSpan ResumeDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How often a download waiting for another process's lock on the same blob looks again.</summary>
    public TimeSpan LockPollInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The options this process's environment variables give.</summary>
    public static HubOptions FromEnvironment() =>
        FromEnvironment(ModelLocator.CurrentEnvironment(), ModelLocator.HomeDirectory());

    /// <summary>
    /// The options <paramref name="environment"/> gives, as huggingface_hub reads it: <c>HF_ENDPOINT</c>; the cache of
    /// <see cref="ModelLocator.HubCacheFromEnvironment"/>; the token from <c>HF_TOKEN</c>, else <c>HUGGING_FACE_HUB_TOKEN</c>,
    /// else the file <c>HF_TOKEN_PATH</c>, else <c>HF_HOME/token</c> (what <c>huggingface-cli login</c> writes), none when
    /// <c>HF_HUB_DISABLE_IMPLICIT_TOKEN</c> is set; offline when <c>HF_HUB_OFFLINE</c> or <c>TRANSFORMERS_OFFLINE</c> is
    /// 1/ON/YES/TRUE; <c>HF_HUB_ETAG_TIMEOUT</c> and <c>HF_HUB_DOWNLOAD_TIMEOUT</c> in seconds.
    /// </summary>
    public static HubOptions FromEnvironment(IReadOnlyDictionary<string, string> environment, string homeDirectory)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(homeDirectory);
        string? Get(string key) => environment.TryGetValue(key, out var v) && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;

        var options = new HubOptions
        {
            Endpoint = (Get("HF_ENDPOINT") ?? DefaultEndpoint).TrimEnd('/'),
            Cache = ModelLocator.HubCacheFromEnvironment(environment, homeDirectory),
            Offline = IsTrue(Get("HF_HUB_OFFLINE")) || IsTrue(Get("TRANSFORMERS_OFFLINE")),
            RequestTimeout = Seconds(Get("HF_HUB_ETAG_TIMEOUT")) ?? TimeSpan.FromSeconds(10),
            ReadTimeout = Seconds(Get("HF_HUB_DOWNLOAD_TIMEOUT")) ?? TimeSpan.FromSeconds(10),
        };
        if (IsTrue(Get("HF_HUB_DISABLE_IMPLICIT_TOKEN"))) return options;
        if (Get("HF_TOKEN") is { } token) return options with { Token = new HubToken(token) { Source = "HF_TOKEN" } };
        if (Get("HUGGING_FACE_HUB_TOKEN") is { } legacy) return options with { Token = new HubToken(legacy) { Source = "HUGGING_FACE_HUB_TOKEN" } };
        string tokenFile = Get("HF_TOKEN_PATH") is { } p ? ExpandHome(p, homeDirectory) : Path.Combine(HfHome(environment, homeDirectory), "token");
        return options with { Token = ReadTokenFile(tokenFile) };
    }

    /// <summary>huggingface_hub's <c>HF_HOME</c>: the variable, else <c>$XDG_CACHE_HOME/huggingface</c>, else <c>~/.cache/huggingface</c>.</summary>
    public static string HfHome(IReadOnlyDictionary<string, string> environment, string homeDirectory)
    {
        string? Get(string key) => environment.TryGetValue(key, out var v) && !string.IsNullOrWhiteSpace(v) ? ExpandHome(v.Trim(), homeDirectory) : null;
        return Get("HF_HOME") ?? Path.Combine(Get("XDG_CACHE_HOME") ?? Path.Combine(homeDirectory, ".cache"), "huggingface");
    }

    // A token file that is missing, unreadable or empty means "no token", as in huggingface_hub's _get_token_from_file.
    private static HubToken? ReadTokenFile(string path)
    {
        try
        {
            if (!File.Exists(path)) return null;
            string text = File.ReadAllText(path).Trim();
            return text.Length == 0 ? null : new HubToken(text) { Source = path };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static bool IsTrue(string? value) =>
        value is not null && value.ToUpperInvariant() is "1" or "ON" or "YES" or "TRUE";

    private static TimeSpan? Seconds(string? value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s > 0 && s < 86400 ? TimeSpan.FromSeconds(s) : null;

    private static string ExpandHome(string path, string home) =>
        path == "~" ? home : path.StartsWith("~/", StringComparison.Ordinal) ? Path.Combine(home, path[2..]) : path;
}
