namespace Electra.Hub;

/// <summary>
/// An exclusive lock on one blob across threads and processes, like huggingface_hub's file lock on
/// <c>.locks/models--ns--name/&lt;etag&gt;.lock</c>: the lock file is opened with no sharing (an advisory
/// <c>flock</c> on Unix), and a busy lock is tried again every <see cref="HubOptions.LockPollInterval"/>.
/// The lock file stays after release: deleting it could let two holders lock different files of one name.
/// </summary>
internal sealed class BlobLock : IDisposable
{
    private readonly FileStream _stream;

    private BlobLock(FileStream stream) => _stream = stream;

    /// <summary>Waits until the lock is free and takes it. <paramref name="onWait"/> runs once, when it is first found busy.</summary>
    public static async Task<BlobLock> AcquireAsync(string path, TimeSpan poll, Action onWait, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        bool waited = false;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            try
            {
                return new BlobLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None));
            }
            catch (IOException e) when (IsBusy(e))
            {
                if (!waited) onWait();
                waited = true;
            }
            // Polling is how file locks are waited for across processes (no cross-process signal exists for flock).
            await Task.Delay(poll, ct).ConfigureAwait(false);
        }
    }

    // EWOULDBLOCK / EAGAIN from flock (Linux 11, macOS 35); ERROR_SHARING_VIOLATION / ERROR_LOCK_VIOLATION on Windows.
    private static bool IsBusy(IOException e) =>
        e.HResult is 11 or 35 or unchecked((int)0x80070020) or unchecked((int)0x80070021);

    public void Dispose() => _stream.Dispose();
}
