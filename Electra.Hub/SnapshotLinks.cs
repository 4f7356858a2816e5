namespace Electra.Hub;

/// <summary>
/// Snapshot entries and refs, written as huggingface_hub writes them: <c>snapshots/&lt;commit&gt;/&lt;file&gt;</c> is a
/// relative symbolic link (<c>../../blobs/&lt;etag&gt;</c>), so the cache survives being moved; where the file system
/// refuses links, a copy of the blob takes its place.
/// </summary>
internal static class SnapshotLinks
{
    public static void Link(string blob, string pointer)
    {
        string folder = Path.GetDirectoryName(pointer)!;
        Directory.CreateDirectory(folder);
        string relative = Path.GetRelativePath(folder, blob);
        DeleteEntry(pointer);
        try
        {
            File.CreateSymbolicLink(pointer, relative);
            return;
        }
        catch (IOException) when (PointsTo(pointer, blob))
        {
            return; // another download linked it between the delete and the link
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            // No links here (e.g. Windows without developer mode, some network shares): copy, then rename over the
            // entry, so the copy never writes through an existing link into the blob.
        }
        string temp = pointer + "." + Guid.NewGuid().ToString("N") + ".tmp";
        File.Copy(blob, temp, overwrite: true);
        File.Move(temp, pointer, overwrite: true);
    }

    /// <summary>Records that <paramref name="revision"/> named <paramref name="commit"/> (no newline, as the Hub's client writes it); nothing for a commit.</summary>
    public static void WriteRef(HubCacheLayout layout, string revision, string commit)
    {
        if (revision == commit) return;
        string path = layout.Ref(revision);
        if (File.Exists(path) && File.ReadAllText(path) == commit) return;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        File.WriteAllText(temp, commit);
        File.Move(temp, path, overwrite: true);
    }

    private static void DeleteEntry(string path)
    {
        // File.Exists is false for a dangling link, which still has to go.
        var info = new FileInfo(path);
        if (info.Exists || info.LinkTarget is not null) info.Delete();
    }

    private static bool PointsTo(string pointer, string blob)
    {
        var info = new FileInfo(pointer);
        return info.LinkTarget is { } target
            && Path.GetFullPath(Path.Combine(Path.GetDirectoryName(pointer)!, target)) == Path.GetFullPath(blob);
    }
}
