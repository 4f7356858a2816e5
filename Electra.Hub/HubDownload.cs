using System.Collections.Immutable;
using Electra.Core.Errors;

namespace Electra.Hub;

/// <summary>
/// Downloads a model from the Hugging Face Hub into the hub cache, as huggingface_hub's <c>snapshot_download</c> does:
/// <c>GET {endpoint}/api/models/{repo}/revision/{revision}</c> names the commit and lists the files; each file the
/// model needs (<see cref="ModelFiles"/>) is fetched at that commit into <c>blobs/</c> (locked, resumable, LFS files
/// checked against their sha256); once every file is there, the snapshot links are made and <c>refs/{revision}</c>
/// records the commit. A file that fails leaves no snapshot entry behind. The result loads with
/// <c>ElectraPretrained.Load(snapshot.Folder, backend)</c> and is what <see cref="ModelLocator"/> finds offline.
/// </summary>
/// <example><code>
/// var snapshot = await HubDownload.DownloadAsync("google/electra-small-discriminator",
///     progress: new Progress&lt;HubDownloadProgress&gt;(p => Console.WriteLine($"{p.FileName} {p.BytesDone}/{p.TotalBytes}")));
/// using var backend = new CpuBackend();
/// var model = ElectraPretrained.Load(snapshot.Folder, backend);
/// </code></example>
public static class HubDownload
{
    private const int MaxApiAnswerBytes = 64 << 20;

    /// <summary>Makes sure the model's files are in the cache and returns its snapshot.</summary>
    /// <param name="repoId">A hub id, <c>namespace/name</c> (or a legacy <c>name</c>).</param>
    /// <param name="revision">A branch, tag or commit; "main" when null.</param>
    /// <param name="include">Glob patterns (<see cref="RepoFilePattern"/>): fetch exactly the matching files instead of the model's files.</param>
    /// <param name="options">Endpoint, cache, token, offline mode; <see cref="HubOptions.FromEnvironment()"/> when null.</param>
    /// <param name="progress">Per-file progress reports.</param>
    /// <param name="cancellationToken">Stops the download; a partial file stays as <c>.incomplete</c> and the next run resumes it.</param>
    /// <exception cref="HubException">a subclass says what failed: repository, revision or file not found, gated, access denied, network, integrity.</exception>
    /// <exception cref="ModelNotFoundException">offline (or the Hub unreachable) and the cache lacks the model.</exception>
    public static async Task<HubSnapshot> DownloadAsync(string repoId, string? revision = null, IReadOnlyList<string>? include = null,
        HubOptions? options = null, IProgress<HubDownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repoId);
        options ??= HubOptions.FromEnvironment();
        revision ??= ModelLocator.DefaultRevision;
        if (!ModelLocator.IsHubId(repoId))
            throw new HubException(repoId, $"'{repoId}' is not a hub id: expected namespace/name, e.g. google/electra-small-discriminator");
        if (!ModelLocator.IsSafeRevision(revision))
            throw new HubRevisionNotFoundException(repoId, revision, $"revision '{revision}' is not a branch, tag or commit name");
        var patterns = include?.Select(RepoFilePattern.Parse).ToList();
        var layout = new HubCacheLayout(options.Cache.Path, repoId);

        if (options.Offline) return FromCache(repoId, revision, options, "offline mode (HF_HUB_OFFLINE or --offline): nothing was downloaded", null);

        using var http = new HubHttp(options, repoId);
        HubRepoInfo info;
        try
        {
            info = await RepoInfoAsync(http, options, repoId, revision, cancellationToken).ConfigureAwait(false);
        }
        catch (HubException e) when (e is not (HubRevisionNotFoundException or HubIntegrityException))
        {
            // As snapshot_download: when the Hub cannot be asked, a snapshot already in the cache is used.
            return FromCache(repoId, revision, options, $"the Hub could not be asked ({e.Message})", e);
        }

        var initial = ModelFiles.Initial(repoId, revision, info.Files, patterns);
        if (initial.IsEmpty)
            throw new HubEntryNotFoundException(repoId, revision, include is null ? "" : string.Join(" ", include),
                $"no file of '{repoId}' at revision '{revision}' matches --include {string.Join(" ", include ?? [])}; it has: {string.Join(", ", info.Files.Take(20))}");

        var fetcher = new BlobFetcher(http, options, layout, info.Commit, progress);
        var queued = new HashSet<string>(initial, StringComparer.Ordinal);
        var queue = new Queue<string>(initial);
        var fetched = new List<FetchedFile>();
        while (queue.TryDequeue(out var file))
        {
            var got = await fetcher.FetchAsync(file, cancellationToken).ConfigureAwait(false);
            fetched.Add(got);
            if (patterns is not null) continue;
            foreach (var next in ModelFiles.FollowUps(repoId, file, got.LocalPath, info.Files))
                if (queued.Add(next)) queue.Enqueue(next);
        }

        // Links only now that every blob is verified: a failed file leaves no half-made snapshot to be found offline.
        foreach (var f in fetched.Where(f => f.Etag is not null))
            SnapshotLinks.Link(layout.Blob(f.Etag!), layout.Pointer(info.Commit, f.FileName));
        Directory.CreateDirectory(layout.Snapshot(info.Commit));
        SnapshotLinks.WriteRef(layout, revision, info.Commit);
        return new HubSnapshot(repoId, revision, info.Commit, Path.GetFullPath(layout.Snapshot(info.Commit)),
            [.. fetched.Select(f => new HubSnapshotFile(f.FileName, f.Etag, f.Size, f.Downloaded))], FromCacheOnly: false);
    }

    private static async Task<HubRepoInfo> RepoInfoAsync(HubHttp http, HubOptions options, string repoId, string revision, CancellationToken ct)
    {
        var url = http.Url($"api/models/{repoId}/revision/{Uri.EscapeDataString(revision)}");
        try
        {
            using var response = await http.SendAsync(HttpMethod.Get, url, followAbsolute: true, rangeStart: 0, ct).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
                throw HubErrors.FromResponse(response, HubErrors.RequestKind.RepoInfo, http.Endpoint, repoId, revision, null, options.Token);
            if (response.Content.Headers.ContentLength > MaxApiAnswerBytes)
                throw new HubIntegrityException(repoId, "api/models", $"the model info of '{repoId}' is larger than {MaxApiAnswerBytes >> 20} MB");
            using var body = new MemoryStream();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(options.RequestTimeout);
            await using (var stream = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false))
            {
                var buffer = new byte[1 << 16];
                int n;
                while ((n = await stream.ReadAsync(buffer, timeout.Token).ConfigureAwait(false)) > 0)
                {
                    if (body.Length + n > MaxApiAnswerBytes)
                        throw new HubIntegrityException(repoId, "api/models", $"the model info of '{repoId}' is larger than {MaxApiAnswerBytes >> 20} MB");
                    body.Write(buffer, 0, n);
                }
            }
            return HubRepoInfo.Parse(repoId, body.GetBuffer().AsSpan(0, (int)body.Length));
        }
        catch (Exception e) when (BlobFetcher.IsNetworkFailure(e, ct))
        {
            throw new HubNetworkException(repoId, $"cannot reach {http.Endpoint} for '{repoId}': {e.Message}", e);
        }
    }

    private static HubSnapshot FromCache(string repoId, string revision, HubOptions options, string why, HubException? cause)
    {
        string folder;
        try
        {
            folder = ModelLocator.Resolve(repoId, revision, [options.Cache]);
        }
        catch (ModelNotFoundException notFound)
        {
            if (cause is not null) throw cause;
            throw new ModelNotFoundException(repoId, notFound.SearchedLocations, $"{why}; {notFound.Message}");
        }
        string commit = Path.GetFileName(folder);
        var files = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(folder, f).Replace(Path.DirectorySeparatorChar, '/'))
            .Order(StringComparer.Ordinal)
            .Select(f => new HubSnapshotFile(f, null, new FileInfo(Path.Combine(folder, f)).Length, Downloaded: false));
        return new HubSnapshot(repoId, revision, commit, folder, [.. files], FromCacheOnly: true) { Note = why };
    }
}
