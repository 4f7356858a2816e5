namespace Electra.Hub;

/// <summary>
/// What a HEAD on <c>{endpoint}/{repo}/resolve/{commit}/{file}</c> says about a file (huggingface_hub's
/// <c>get_hf_file_metadata</c>): the commit (<c>X-Repo-Commit</c>), the blob name (<c>X-Linked-Etag</c>, the LFS
/// sha256, else <c>ETag</c>, the git sha1), the size (<c>X-Linked-Size</c>, else <c>Content-Length</c>) and where to
/// GET the bytes (the CDN address of a redirect, else the resolve URL).
/// </summary>
internal sealed record HubFileMetadata(string Commit, string Etag, long Size, Uri Location)
{
    /// <exception cref="HubIntegrityException">a header huggingface_hub requires is missing or unusable.</exception>
    public static HubFileMetadata Read(HttpResponseMessage response, Uri requested, string repoId, string fileName)
    {
        string? commit = HubErrors.Header(response, "X-Repo-Commit");
        if (commit is null)
            throw new HubIntegrityException(repoId, fileName,
                $"the answer for '{fileName}' of '{repoId}' has no X-Repo-Commit header: the endpoint does not look like a Hugging Face Hub (check HF_ENDPOINT, proxy and firewall)");
        string? rawEtag = HubErrors.Header(response, "X-Linked-Etag") ?? HubErrors.Header(response, "ETag");
        string? etag = rawEtag is null ? null : NormalizeEtag(rawEtag);
        if (etag is null || !HubRepoInfo.IsSafeEtag(etag))
            throw new HubIntegrityException(repoId, fileName,
                rawEtag is null
                    ? $"the answer for '{fileName}' of '{repoId}' has no ETag, so the download could not be checked or cached"
                    : $"the ETag of '{fileName}' of '{repoId}' ('{rawEtag}') cannot name a blob file");
        string? sizeText = HubErrors.Header(response, "X-Linked-Size");
        long? size = sizeText is not null && long.TryParse(sizeText, out var linked) ? linked : response.Content.Headers.ContentLength;
        if (size is not >= 0)
            throw new HubIntegrityException(repoId, fileName, $"the answer for '{fileName}' of '{repoId}' has no X-Linked-Size or Content-Length");
        var location = (int)response.StatusCode is >= 300 and <= 399 && response.Headers.Location is { } l
            ? (l.IsAbsoluteUri ? l : new Uri(requested, l))
            : response.RequestMessage?.RequestUri ?? requested;
        return new HubFileMetadata(commit, etag, size.Value, location);
    }

    /// <summary>huggingface_hub's <c>_normalize_etag</c>: drops a weak <c>W/</c> prefix and the quotes.</summary>
    public static string NormalizeEtag(string etag) =>
        (etag.StartsWith("W/", StringComparison.Ordinal) ? etag[2..] : etag).Trim('"');
}
