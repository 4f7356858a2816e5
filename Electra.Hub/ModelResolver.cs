using Electra.Core.Errors;

namespace Electra.Hub;

/// <summary>
/// What every <c>Load</c> and <c>--model</c> does with a model name: an existing folder is used as it is; a hub id is
/// downloaded into the hub cache where files are missing (<see cref="HubDownload"/>), or, in offline mode
/// (<c>HF_HUB_OFFLINE=1</c>, <see cref="HubOptions.Offline"/>), found in the cache only (<see cref="ModelLocator"/>).
/// </summary>
/// <example><code>
/// string folder = ModelResolver.Resolve("google/electra-small-discriminator");          // downloads on first use
/// string pinned = ModelResolver.Resolve("google/electra-small-discriminator", "v1.0");  // a tag, branch or commit
/// </code></example>
public static class ModelResolver
{
    /// <summary>The model folder for <paramref name="nameOrFolder"/>, downloading what is missing unless offline.</summary>
    /// <param name="nameOrFolder">A folder, or a hub id.</param>
    /// <param name="revision">Branch, tag or commit of a hub id; "main" when null.</param>
    /// <param name="options"><see cref="HubOptions.FromEnvironment()"/> when null.</param>
    /// <param name="progress">Per-file download progress.</param>
    /// <param name="cancellationToken">Stops a download (it resumes next time).</param>
    /// <exception cref="ModelNotFoundException">not a folder and not a hub id, or offline and not in the cache.</exception>
    /// <exception cref="HubException">the download failed; the subclass says why.</exception>
    public static string Resolve(string nameOrFolder, string? revision = null, HubOptions? options = null,
        IProgress<HubDownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(nameOrFolder);
        if (nameOrFolder.Length > 0 && Directory.Exists(nameOrFolder)) return Path.GetFullPath(nameOrFolder);
        options ??= HubOptions.FromEnvironment();
        if (!ModelLocator.IsHubId(nameOrFolder)) return ModelLocator.Resolve(nameOrFolder, revision, [options.Cache]);
        // Run on the thread pool: a caller's synchronization context must not be needed to finish the download.
        return Task.Run(() => ResolveAsync(nameOrFolder, revision, options, progress, cancellationToken), cancellationToken)
            .GetAwaiter().GetResult();
    }

    /// <inheritdoc cref="Resolve"/>
    public static async Task<string> ResolveAsync(string nameOrFolder, string? revision = null, HubOptions? options = null,
        IProgress<HubDownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(nameOrFolder);
        if (nameOrFolder.Length > 0 && Directory.Exists(nameOrFolder)) return Path.GetFullPath(nameOrFolder);
        options ??= HubOptions.FromEnvironment();
        if (!ModelLocator.IsHubId(nameOrFolder)) return ModelLocator.Resolve(nameOrFolder, revision, [options.Cache]);
        var snapshot = await ResolveSnapshotAsync(nameOrFolder, revision, options, progress, cancellationToken).ConfigureAwait(false);
        return snapshot.Folder;
    }

    /// <summary>
    /// The snapshot of a hub id that was given where a folder could have been meant: <see cref="HubDownload.DownloadAsync"/>,
    /// whose "not found" and network errors also say that no such folder exists.
    /// </summary>
    /// <inheritdoc cref="Resolve"/>
    public static async Task<HubSnapshot> ResolveSnapshotAsync(string hubId, string? revision = null, HubOptions? options = null,
        IProgress<HubDownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(hubId);
        try
        {
            return await HubDownload.DownloadAsync(hubId, revision, null, options, progress, cancellationToken).ConfigureAwait(false);
        }
        catch (HubRepositoryNotFoundException e)
        {
            throw new HubRepositoryNotFoundException(e.RepoId, e.StatusCode, NoFolder(hubId) + e.Message);
        }
        catch (HubNetworkException e)
        {
            throw new HubNetworkException(e.RepoId, NoFolder(hubId) + e.Message, e);
        }
    }

    // "org/name" may also have been meant as a folder: say that none exists either.
    private static string NoFolder(string name) => $"folder '{Path.GetFullPath(name)}' does not exist, and ";
}
