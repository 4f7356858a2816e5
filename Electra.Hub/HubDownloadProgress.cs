namespace Electra.Hub;

/// <summary>What is happening to one file of a hub download.</summary>
public enum HubDownloadStage
{
    /// <summary>The snapshot already has the file: nothing is fetched.</summary>
    Cached,
    /// <summary>Another download (this process or another) holds the lock on the same blob; this one waits for it.</summary>
    WaitingForLock,
    /// <summary>Bytes are arriving; <see cref="HubDownloadProgress.BytesDone"/> counts the file so far (resumed bytes included).</summary>
    Downloading,
    /// <summary>The connection broke (or a partial file from an earlier run exists): the download goes on with a Range request.</summary>
    Resuming,
    /// <summary>The whole file is there and its sha256 is being compared with the LFS ETag.</summary>
    Verifying,
    /// <summary>The file is in <c>blobs/</c>.</summary>
    Completed,
}

/// <summary>One progress report of <see cref="HubDownload.DownloadAsync"/>, per file.</summary>
/// <param name="RepoId">The repository.</param>
/// <param name="FileName">The file's path in the repository, e.g. <c>model.safetensors</c> or <c>1_Pooling/config.json</c>.</param>
/// <param name="Stage">What is happening.</param>
/// <param name="BytesDone">Bytes of the file on disk so far.</param>
/// <param name="TotalBytes">The file's size as the Hub announced it, when known.</param>
public sealed record HubDownloadProgress(string RepoId, string FileName, HubDownloadStage Stage, long BytesDone, long? TotalBytes);
