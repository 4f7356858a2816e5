namespace Electra.Hub;

/// <summary>
/// The paths of one repository in the hub cache, exactly as huggingface_hub lays them out:
/// <c>models--ns--name/blobs/&lt;etag&gt;</c> (the bytes, once per content), <c>snapshots/&lt;commit&gt;/&lt;file&gt;</c>
/// (relative links into blobs), <c>refs/&lt;revision&gt;</c> (the commit a branch or tag named when last asked) and
/// <c>.locks/models--ns--name/&lt;etag&gt;.lock</c> beside the repository folders.
/// </summary>
/// <param name="CacheRoot">The hub cache folder.</param>
/// <param name="RepoId">The repository.</param>
public sealed record HubCacheLayout(string CacheRoot, string RepoId)
{
    /// <summary><c>models--ns--name</c>.</summary>
    public string RepoFolder => Path.Combine(CacheRoot, ModelLocator.CacheFolderName(RepoId));

    public string BlobsFolder => Path.Combine(RepoFolder, "blobs");

    public string Blob(string etag) => Path.Combine(BlobsFolder, etag);

    /// <summary>Where a blob is written while it downloads; a later download resumes from its length.</summary>
    public string IncompleteBlob(string etag) => Blob(etag) + ".incomplete";

    public string Snapshot(string commit) => Path.Combine(RepoFolder, "snapshots", commit);

    /// <summary>The snapshot entry of a repository file (its '/' become folders).</summary>
    public string Pointer(string commit, string fileName) => Path.Combine([Snapshot(commit), .. fileName.Split('/')]);

    public string Ref(string revision) => Path.Combine([RepoFolder, "refs", .. revision.Split('/')]);

    public string Lock(string etag) => Path.Combine(CacheRoot, ".locks", ModelLocator.CacheFolderName(RepoId), etag + ".lock");
}
