using System.Net;
using System.Security.Cryptography;

namespace Electra.Hub;

/// <summary>A repository file made available at one commit: already in the snapshot, or in <c>blobs/</c> awaiting its link.</summary>
/// <param name="FileName">The repository path.</param>
/// <param name="LocalPath">Where its bytes are now (the snapshot entry, or the blob).</param>
/// <param name="Etag">The blob name; null when the snapshot already had the file.</param>
/// <param name="Size">Bytes.</param>
/// <param name="Downloaded">True when bytes were fetched for it now.</param>
internal sealed record FetchedFile(string FileName, string LocalPath, string? Etag, long Size, bool Downloaded);

/// <summary>
/// One file of a snapshot, fetched as huggingface_hub's <c>hf_hub_download</c> fetches it into the cache: nothing
/// when the snapshot entry exists; else a HEAD for the metadata; nothing more when the blob exists; else, holding the
/// blob's lock, a GET into <c>blobs/&lt;etag&gt;.incomplete</c> (resumed with Range after a broken connection or an
/// earlier run), its size and (LFS) sha256 checked, then moved to <c>blobs/&lt;etag&gt;</c>.
/// </summary>
internal sealed class BlobFetcher(HubHttp http, HubOptions options, HubCacheLayout layout, string commit,
    IProgress<HubDownloadProgress>? progress)
{
    private const int BufferSize = 1 << 16;
    private string RepoId => layout.RepoId;

    public async Task<FetchedFile> FetchAsync(string fileName, CancellationToken ct)
    {
        string pointer = layout.Pointer(commit, fileName);
        if (File.Exists(pointer))
        {
            long length = new FileInfo(pointer).Length;
            Report(fileName, HubDownloadStage.Cached, length, length);
            return new FetchedFile(fileName, pointer, null, length, Downloaded: false);
        }

        var meta = await MetadataAsync(fileName, ct).ConfigureAwait(false);
        string blob = layout.Blob(meta.Etag);
        if (File.Exists(blob))
        {
            Report(fileName, HubDownloadStage.Cached, meta.Size, meta.Size);
            return new FetchedFile(fileName, blob, meta.Etag, meta.Size, Downloaded: false);
        }

        using (await BlobLock.AcquireAsync(layout.Lock(meta.Etag), options.LockPollInterval,
                   () => Report(fileName, HubDownloadStage.WaitingForLock, 0, meta.Size), ct).ConfigureAwait(false))
        {
            // Whoever held the lock may have finished this very blob.
            if (File.Exists(blob))
            {
                Report(fileName, HubDownloadStage.Cached, meta.Size, meta.Size);
                return new FetchedFile(fileName, blob, meta.Etag, meta.Size, Downloaded: false);
            }
            Directory.CreateDirectory(layout.BlobsFolder);
            string incomplete = layout.IncompleteBlob(meta.Etag);
            await DownloadAsync(fileName, meta, incomplete, ct).ConfigureAwait(false);
            await VerifyAsync(fileName, meta, incomplete, ct).ConfigureAwait(false);
            File.Move(incomplete, blob, overwrite: true);
            Report(fileName, HubDownloadStage.Completed, meta.Size, meta.Size);
        }
        return new FetchedFile(fileName, blob, meta.Etag, meta.Size, Downloaded: true);
    }

    private async Task<HubFileMetadata> MetadataAsync(string fileName, CancellationToken ct)
    {
        var url = http.Url($"{RepoId}/resolve/{commit}/{string.Join('/', fileName.Split('/').Select(Uri.EscapeDataString))}");
        try
        {
            using var response = await http.SendAsync(HttpMethod.Head, url, followAbsolute: false, rangeStart: 0, ct).ConfigureAwait(false);
            int status = (int)response.StatusCode;
            if (status is < 200 or > 399)
                throw HubErrors.FromResponse(response, HubErrors.RequestKind.File, http.Endpoint, RepoId, commit, fileName, options.Token);
            return HubFileMetadata.Read(response, url, RepoId, fileName);
        }
        catch (Exception e) when (IsNetworkFailure(e, ct))
        {
            throw new HubNetworkException(RepoId, $"cannot reach {http.Endpoint} for '{fileName}' of '{RepoId}': {e.Message}", e);
        }
    }

    private async Task DownloadAsync(string fileName, HubFileMetadata meta, string incomplete, CancellationToken ct)
    {
        long have = File.Exists(incomplete) ? new FileInfo(incomplete).Length : 0;
        if (have > meta.Size)
        {
            File.Delete(incomplete);
            have = 0;
        }
        if (have == 0) File.WriteAllBytes(incomplete, []);
        else Report(fileName, HubDownloadStage.Resuming, have, meta.Size);

        int resumesLeft = options.MaxResumes;
        while (have < meta.Size)
        {
            try
            {
                have = await GetAsync(fileName, meta, incomplete, have, () => resumesLeft = options.MaxResumes, ct).ConfigureAwait(false);
                if (have < meta.Size)
                    throw new IOException($"the connection closed after {have} of {meta.Size} bytes");
            }
            catch (Exception e) when (IsNetworkFailure(e, ct))
            {
                have = File.Exists(incomplete) ? new FileInfo(incomplete).Length : 0;
                if (resumesLeft-- <= 0)
                    throw new HubNetworkException(RepoId,
                        $"the download of '{fileName}' of '{RepoId}' broke off at {have} of {meta.Size} bytes {options.MaxResumes + 1} times in a row "
                        + $"({e.Message}); run it again to resume from '{incomplete}'", e);
                Report(fileName, HubDownloadStage.Resuming, have, meta.Size);
                if (options.ResumeDelay > TimeSpan.Zero) await Task.Delay(options.ResumeDelay, ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>One GET from <paramref name="have"/> on; returns the bytes on disk when the body ends.</summary>
    private async Task<long> GetAsync(string fileName, HubFileMetadata meta, string incomplete, long have, Action gotBytes, CancellationToken ct)
    {
        using var response = await http.SendAsync(HttpMethod.Get, meta.Location, followAbsolute: true, rangeStart: have, ct).ConfigureAwait(false);
        int status = (int)response.StatusCode;
        if (status == (int)HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            File.WriteAllBytes(incomplete, []);
            throw new IOException($"the server refused the range from byte {have}; starting over");
        }
        if (status is < 200 or > 299)
            throw HubErrors.FromResponse(response, HubErrors.RequestKind.File, http.Endpoint, RepoId, commit, fileName, options.Token);
        // A 200 to a Range request is the whole file again; a 206 from elsewhere than asked cannot be appended.
        if (have > 0 && (status != 206 || response.Content.Headers.ContentRange?.From != have))
        {
            File.WriteAllBytes(incomplete, []);
            have = 0;
            Report(fileName, HubDownloadStage.Resuming, 0, meta.Size);
        }

        await using var file = new FileStream(incomplete, FileMode.Append, FileAccess.Write, FileShare.None, BufferSize, FileOptions.Asynchronous);
        await using var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        var buffer = new byte[BufferSize];
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(ct);
        while (true)
        {
            stall.CancelAfter(options.ReadTimeout);
            int n = await body.ReadAsync(buffer, stall.Token).ConfigureAwait(false);
            if (n == 0) break;
            if (have + n > meta.Size)
            {
                await file.DisposeAsync().ConfigureAwait(false);
                File.Delete(incomplete);
                throw new HubIntegrityException(RepoId, fileName,
                    $"'{fileName}' of '{RepoId}' is longer than the {meta.Size} bytes the Hub announced; the download was discarded");
            }
            await file.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
            have += n;
            gotBytes();
            Report(fileName, HubDownloadStage.Downloading, have, meta.Size);
        }
        await file.FlushAsync(ct).ConfigureAwait(false);
        return have;
    }

    // LFS files are named by their sha256: the bytes must hash to it before they may enter blobs/.
    private async Task VerifyAsync(string fileName, HubFileMetadata meta, string incomplete, CancellationToken ct)
    {
        if (!HubRepoInfo.IsSha256(meta.Etag)) return;
        Report(fileName, HubDownloadStage.Verifying, meta.Size, meta.Size);
        string actual;
        await using (var stream = new FileStream(incomplete, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.Asynchronous | FileOptions.SequentialScan))
            actual = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, ct).ConfigureAwait(false));
        if (actual == meta.Etag) return;
        File.Delete(incomplete);
        throw new HubIntegrityException(RepoId, fileName,
            $"'{fileName}' of '{RepoId}' does not match its sha256: the Hub names {meta.Etag}, the downloaded bytes hash to {actual}; "
            + "the download was discarded and nothing entered the cache");
    }

    private void Report(string fileName, HubDownloadStage stage, long done, long? total) =>
        progress?.Report(new HubDownloadProgress(RepoId, fileName, stage, done, total));

    /// <summary>A failure that another attempt may not meet: connection refused or reset, a premature end, a stall, a timeout.</summary>
    internal static bool IsNetworkFailure(Exception e, CancellationToken ct) =>
        e is HttpRequestException or IOException or TimeoutException
        || (e is OperationCanceledException && !ct.IsCancellationRequested);
}
