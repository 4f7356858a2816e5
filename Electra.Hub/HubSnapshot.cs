using System.Collections.Immutable;

namespace Electra.Hub;

/// <summary>One file of a snapshot: its path in the repository, its blob name (ETag) and whether it was fetched now.</summary>
/// <param name="FileName">Path in the repository (forward slashes).</param>
/// <param name="Etag">The blob's name in <c>blobs/</c>: the sha256 of an LFS file or the git sha1 of a regular one; null when the file was already in the snapshot.</param>
/// <param name="Size">Size in bytes.</param>
/// <param name="Downloaded">True when bytes were fetched for it by this call.</param>
public sealed record HubSnapshotFile(string FileName, string? Etag, long Size, bool Downloaded);

/// <summary>A model folder in the hub cache: <c>models--ns--name/snapshots/&lt;commit&gt;</c>, ready for <c>ElectraPretrained.Load</c>.</summary>
/// <param name="RepoId">The repository.</param>
/// <param name="Revision">The revision asked for (branch, tag or commit).</param>
/// <param name="Commit">The commit it names.</param>
/// <param name="Folder">The snapshot folder's full path.</param>
/// <param name="Files">The files this call made sure of, in the order they were handled.</param>
/// <param name="FromCacheOnly">True when the Hub was not asked (offline) or could not be reached and the cached snapshot was used.</param>
public sealed record HubSnapshot(string RepoId, string Revision, string Commit, string Folder, ImmutableArray<HubSnapshotFile> Files, bool FromCacheOnly)
{
    /// <summary>Why only the cache was used (offline, or what went wrong asking the Hub); null after a normal download.</summary>
    public string? Note { get; init; }
}
