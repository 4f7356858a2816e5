namespace Electra.Hub;

/// <summary>
/// Turns a failed Hub response into the typed exception huggingface_hub's <c>hf_raise_for_status</c> would raise:
/// the <c>X-Error-Code</c> header first (RevisionNotFound, EntryNotFound, GatedRepo, RepoNotFound), then the status.
/// </summary>
internal static class HubErrors
{
    /// <summary>What the failed request asked for, so a bare 404 can still say which thing is missing.</summary>
    public enum RequestKind { RepoInfo, File }

    public static HubException FromResponse(HttpResponseMessage response, RequestKind kind, string endpoint, string repoId,
        string revision, string? fileName, HubToken? token)
    {
        int status = (int)response.StatusCode;
        string? code = Header(response, "X-Error-Code");
        string? message = Header(response, "X-Error-Message");
        string repoUrl = $"{endpoint}/{repoId}";
        string what = fileName is null ? $"'{repoId}'" : $"'{fileName}' of '{repoId}'";
        string tokenNote = token is null
            ? "no token was sent: set HF_TOKEN (or log in with `huggingface-cli login`, which writes the token file HF_HOME/token)"
            : $"a token was sent ({token.Source})";

        if (code == "RevisionNotFound" || (code is null && status == 404 && kind == RequestKind.RepoInfo && revision != ModelLocator.DefaultRevision))
            return new HubRevisionNotFoundException(repoId, revision,
                $"revision '{revision}' of '{repoId}' not found on {endpoint} (HTTP {status}): name an existing branch, tag or commit with --revision");
        if (code == "EntryNotFound" || (code is null && status == 404 && kind == RequestKind.File))
            return new HubEntryNotFoundException(repoId, revision, fileName ?? "",
                $"file '{fileName}' not found in '{repoId}' at revision '{revision}' on {endpoint} (HTTP {status})");
        if (code == "GatedRepo")
            return new HubGatedRepoException(repoId,
                $"'{repoId}' is a gated model (HTTP {status}): open {repoUrl} while logged in, accept its terms "
                + $"(\"Agree and access repository\"), then use a token of that account in HF_TOKEN; {tokenNote}");
        if (message == "Access to this resource is disabled.")
            return new HubAccessDeniedException(repoId, status, $"access to '{repoId}' is disabled on {endpoint} (HTTP {status})");
        if (status == 401 && message == "Invalid credentials in Authorization header")
            return new HubAccessDeniedException(repoId, status,
                $"the Hub refused the token for {what} (HTTP 401, invalid credentials; {tokenNote}): check or renew it");
        if (code == "RepoNotFound" || status is 401 or 404)
            return new HubRepositoryNotFoundException(repoId, status,
                $"repository '{repoId}' not found on {endpoint} (HTTP {status}): check the id; if it is private or gated, "
                + $"the request needs a token with access to it ({tokenNote})");
        if (status == 403)
            return new HubAccessDeniedException(repoId, status,
                $"the Hub refused access to {what} (HTTP 403{(message is null ? "" : ": " + message)}; {tokenNote})");
        if (status is 429 or >= 500)
            return new HubNetworkException(repoId,
                $"the Hub answered HTTP {status} for {what}{(message is null ? "" : ": " + message)}; try again later");
        return new HubException(repoId, $"the Hub answered HTTP {status} for {what}{(message is null ? "" : ": " + message)}");
    }

    public static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault()
        : response.Content.Headers.TryGetValues(name, out var contentValues) ? contentValues.FirstOrDefault()
        : null;
}
