using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Electra.Core.Errors;
using Electra.Core.Files;

namespace Electra.Core.Checkpoints;

/// <summary>A Hugging Face hub cache folder and which setting chose it (for messages).</summary>
/// <param name="Path">The cache folder that holds <c>models--&lt;namespace&gt;--&lt;name&gt;</c> folders.</param>
/// <param name="Source">Where the path came from, e.g. "HF_HUB_CACHE" or "default ~/.cache/huggingface/hub".</param>
public sealed record HubCacheRoot(string Path, string Source);

/// <summary>
/// Turns what a user names as a model into a model folder, the way transformers' <c>from_pretrained</c> does offline:
/// an existing folder is used as it is; otherwise a hub id such as <c>google/electra-small-discriminator</c> is looked
/// up in the local Hugging Face cache (<c>models--google--electra-small-discriminator/snapshots/&lt;commit&gt;</c>,
/// the commit read from <c>refs/&lt;revision&gt;</c>, "main" by default). Nothing is downloaded.
/// </summary>
/// <example><code>
/// string folder = ModelLocator.Resolve("google/electra-small-discriminator");
/// using var weights = CheckpointLoader.Open(folder);
/// </code></example>
public static partial class ModelLocator
{
    /// <summary>The revision used when none is given.</summary>
    public const string DefaultRevision = "main";

    /// <summary>Resolves <paramref name="name"/> with the cache chosen by this process's environment.</summary>
    /// <param name="name">A model folder, or a hub id (<c>namespace/name</c> or a legacy <c>name</c>).</param>
    /// <param name="revision">A branch or tag (looked up in <c>refs/</c>) or a commit hash; "main" when null.</param>
    /// <returns>The full path of the model folder.</returns>
    /// <exception cref="ModelNotFoundException">neither a folder nor in the cache; the message lists every place tried.</exception>
    public static string Resolve(string name, string? revision = null) =>
        Resolve(name, revision, [HubCacheFromEnvironment(CurrentEnvironment(), HomeDirectory())]);

    /// <summary>Resolves <paramref name="name"/> against explicitly given hub caches, tried in order.</summary>
    /// <inheritdoc cref="Resolve(string, string?)"/>
    public static string Resolve(string name, string? revision, IReadOnlyList<HubCacheRoot> hubCaches)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(hubCaches);
        revision ??= DefaultRevision;
        var looked = ImmutableArray.CreateBuilder<string>();

        if (name.Length > 0 && Directory.Exists(name)) return Path.GetFullPath(name);
        string asPath = name.Length == 0 ? "(empty name)" : Path.GetFullPath(name);
        looked.Add(File.Exists(name)
            ? $"'{asPath}' is a file; name the folder that holds config.json and the weights"
            : $"folder '{asPath}': does not exist");

        if (!IsHubId(name))
        {
            looked.Add($"'{name}' is not a hub id (namespace/name), so no cache was searched");
            throw NotFound(name, revision, looked.ToImmutable(), isHubId: false);
        }
        if (!IsSafeRevision(revision))
            throw new ModelNotFoundException(name, looked.ToImmutable(),
                $"revision '{revision}' is not a branch, tag or commit name");

        foreach (var cache in hubCaches)
        {
            var found = TryCache(cache, name, revision, looked);
            if (found is not null) return found;
        }
        throw NotFound(name, revision, looked.ToImmutable(), isHubId: true);
    }

    /// <summary>
    /// The hub cache huggingface_hub would use for <paramref name="environment"/>: <c>HF_HUB_CACHE</c>, else the legacy
    /// <c>HUGGINGFACE_HUB_CACHE</c>, else <c>$HF_HOME/hub</c>, else <c>$XDG_CACHE_HOME/huggingface/hub</c>, else
    /// <c>~/.cache/huggingface/hub</c>. Empty variables count as unset; a leading <c>~</c> is the home folder.
    /// </summary>
    public static HubCacheRoot HubCacheFromEnvironment(IReadOnlyDictionary<string, string> environment, string homeDirectory)
    {
        string? Get(string key) => environment.TryGetValue(key, out var v) && !string.IsNullOrWhiteSpace(v) ? ExpandHome(v, homeDirectory) : null;

        if (Get("HF_HUB_CACHE") is { } hubCache) return new(hubCache, "HF_HUB_CACHE");
        if (Get("HUGGINGFACE_HUB_CACHE") is { } legacy) return new(legacy, "HUGGINGFACE_HUB_CACHE");
        if (Get("HF_HOME") is { } hfHome) return new(Path.Combine(hfHome, "hub"), "HF_HOME/hub");
        if (Get("XDG_CACHE_HOME") is { } xdg) return new(Path.Combine(xdg, "huggingface", "hub"), "XDG_CACHE_HOME/huggingface/hub");
        return new(Path.Combine(homeDirectory, ".cache", "huggingface", "hub"), "default ~/.cache/huggingface/hub");
    }

    /// <summary>The cache folder name of a model repository: <c>models--namespace--name</c>.</summary>
    public static string CacheFolderName(string repoId) => "models--" + repoId.Replace("/", "--");

    /// <summary>True for names the hub accepts as model ids: <c>name</c> or <c>namespace/name</c>, no "--" or "..".</summary>
    public static bool IsHubId(string name) =>
        name.Length <= 96 * 2 + 1 && HubIdPattern().IsMatch(name) && !name.Contains("--") && !name.Contains("..");

    private static string? TryCache(HubCacheRoot cache, string repoId, string revision, ImmutableArray<string>.Builder looked)
    {
        string where = $"hub cache '{cache.Path}' (from {cache.Source})";
        string repo = Path.Combine(cache.Path, CacheFolderName(repoId));
        if (!Directory.Exists(repo))
        {
            looked.Add($"{where}: no {CacheFolderName(repoId)} folder");
            return null;
        }
        string snapshots = Path.Combine(repo, "snapshots");
        string refFile = Path.Combine([repo, "refs", .. revision.Split('/')]);
        string commit = revision;
        if (File.Exists(refFile))
        {
            // A ref is a 40-character hash; 4 KB bounds a hostile one.
            try { commit = SafeFile.ReadAllText(refFile, 4096, "the cache ref").Trim(); }
            catch (InputFileException e)
            {
                looked.Add($"{where}: {e.Message}");
                return null;
            }
            if (!CommitPattern().IsMatch(commit))
            {
                looked.Add($"{where}: '{refFile}' does not hold a commit hash");
                return null;
            }
        }
        string snapshot = Path.Combine(snapshots, commit);
        if (Directory.Exists(snapshot) && CommitPattern().IsMatch(commit)) return Path.GetFullPath(snapshot);

        var available = Directory.Exists(snapshots)
            ? Directory.GetDirectories(snapshots).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList()
            : [];
        string have = available.Count == 0 ? "no snapshots are downloaded" : $"snapshots present: {string.Join(", ", available)}";
        looked.Add(File.Exists(refFile)
            ? $"{where}: refs/{revision} points to {commit}, but '{snapshot}' does not exist ({have})"
            : $"{where}: no refs/{revision} and no snapshot named '{revision}' ({have})");
        return null;
    }

    private static ModelNotFoundException NotFound(string name, string revision, ImmutableArray<string> looked, bool isHubId)
    {
        // One line, like every CLI error; the places are separated by "; ".
        var message = new System.Text.StringBuilder($"model '{name}' not found; looked at: ");
        message.AppendJoin("; ", looked).Append('.');
        if (isHubId)
        {
            string rev = revision == DefaultRevision ? "" : $" --revision {revision}";
            message.Append($" Download it with `huggingface-cli download {name}{rev}` (or `git clone https://huggingface.co/{name}`")
                .Append(" and pass that folder), or point HF_HUB_CACHE / HF_HOME at the cache that holds it.");
        }
        else
        {
            message.Append(" Pass the folder that holds config.json and the weights, or a hub id such as google/electra-small-discriminator.");
        }
        return new ModelNotFoundException(name, looked, message.ToString());
    }

    private static bool IsSafeRevision(string revision) =>
        revision.Length is > 0 and <= 256 && !Path.IsPathRooted(revision) && !revision.Contains('\\')
        && revision.Split('/').All(part => part.Length > 0 && part != "." && part != "..");

    private static string ExpandHome(string path, string home) =>
        path == "~" ? home
        : path.StartsWith("~/", StringComparison.Ordinal) || path.StartsWith("~\\", StringComparison.Ordinal) ? Path.Combine(home, path[2..])
        : path;

    private static string HomeDirectory() => Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    private static IReadOnlyDictionary<string, string> CurrentEnvironment()
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry e in Environment.GetEnvironmentVariables())
            if (e.Key is string k && e.Value is string v) env[k] = v;
        return env;
    }

    [GeneratedRegex(@"^([A-Za-z0-9][\w.\-]{0,95}/)?[A-Za-z0-9][\w.\-]{0,95}$")]
    private static partial Regex HubIdPattern();

    // Snapshot folders are commit hashes; anything else in refs/ would let the file steer the path.
    [GeneratedRegex(@"^[0-9A-Za-z]{6,64}$")]
    private static partial Regex CommitPattern();
}
