using Electra.Cli.Commands;
using Electra.Core.Errors;
using Electra.Hub;

namespace Electra.Cli;

/// <summary>Turns what the user typed after --model into a model folder.</summary>
public static class ModelDirectory
{
    /// <summary>
    /// A folder as it is; a hub id downloaded into the Hugging Face cache where files are missing (progress bars on a
    /// terminal), or found in the cache only with <paramref name="offline"/> or <c>HF_HUB_OFFLINE=1</c>.
    /// </summary>
    /// <exception cref="ModelNotFoundException">neither a folder nor a hub id, or offline and not cached; the message lists where it looked.</exception>
    /// <exception cref="HubException">the download failed.</exception>
    public static string Resolve(string name, string? revision = null, bool offline = false, TextWriter? stderr = null)
    {
        if (name.Length > 0 && Directory.Exists(name)) return Path.GetFullPath(name);
        var options = HubOptions.FromEnvironment();
        if (offline) options = options with { Offline = true };
        if (!ModelLocator.IsHubId(name)) return ModelLocator.Resolve(name, revision, [options.Cache]);
        stderr ??= Console.Error;
        var snapshot = Task.Run(() => ModelResolver.ResolveSnapshotAsync(name, revision, options, DownloadProgressBars.ForTerminal(stderr)))
            .GetAwaiter().GetResult();
        Note(snapshot, options, stderr);
        return snapshot.Folder;
    }

    /// <summary>Runs a download (or the offline look-up) to its end; a note on stderr when the Hub could not be asked and the cache served.</summary>
    public static HubSnapshot Download(string repoId, string? revision, IReadOnlyList<string>? include, HubOptions options, TextWriter stderr)
    {
        var bars = DownloadProgressBars.ForTerminal(stderr);
        var snapshot = Task.Run(() => HubDownload.DownloadAsync(repoId, revision, include, options, bars)).GetAwaiter().GetResult();
        Note(snapshot, options, stderr);
        return snapshot;
    }

    private static void Note(HubSnapshot snapshot, HubOptions options, TextWriter stderr)
    {
        if (snapshot.FromCacheOnly && !options.Offline && snapshot.Note is { } note)
            stderr.WriteLine($"note: {note}; using the cached snapshot {snapshot.Commit}");
    }
}
