using Electra.Core.Errors;

namespace Electra.Hub;

/// <summary>Base of every error talking to the Hugging Face Hub or writing its cache. <see cref="RepoId"/> names the model.</summary>
public class HubException : ElectraException
{
    /// <summary>The repository, e.g. <c>google/electra-small-discriminator</c>.</summary>
    public string RepoId { get; }

    public HubException(string repoId, string message) : base(message) => RepoId = repoId;
    public HubException(string repoId, string message, Exception inner) : base(message, inner) => RepoId = repoId;
}

/// <summary>
/// The repository does not exist, or it is private or gated and the request was not authenticated: the Hub answers
/// 401 for both so that private names do not leak (huggingface_hub's RepositoryNotFoundError).
/// </summary>
public sealed class HubRepositoryNotFoundException(string repoId, int statusCode, string message)
    : HubException(repoId, message)
{
    /// <summary>401 or 404.</summary>
    public int StatusCode { get; } = statusCode;
}

/// <summary>The repository exists but the branch, tag or commit does not (X-Error-Code RevisionNotFound).</summary>
public sealed class HubRevisionNotFoundException(string repoId, string revision, string message)
    : HubException(repoId, message)
{
    public string Revision { get; } = revision;
}

/// <summary>The repository and revision exist but the file does not (X-Error-Code EntryNotFound), or a model file it needs is missing.</summary>
public sealed class HubEntryNotFoundException(string repoId, string revision, string fileName, string message)
    : HubException(repoId, message)
{
    public string Revision { get; } = revision;
    public string FileName { get; } = fileName;
}

/// <summary>A gated repository whose terms this account has not accepted (403, X-Error-Code GatedRepo).</summary>
public sealed class HubGatedRepoException(string repoId, string message) : HubException(repoId, message);

/// <summary>The Hub refused the request: the token was rejected (401 with bad credentials) or lacks access (403), or the repository is disabled.</summary>
public sealed class HubAccessDeniedException(string repoId, int statusCode, string message) : HubException(repoId, message)
{
    public int StatusCode { get; } = statusCode;
}

/// <summary>The Hub could not be reached, did not answer in time, answered with a server error, or a download broke off too often.</summary>
public sealed class HubNetworkException : HubException
{
    public HubNetworkException(string repoId, string message) : base(repoId, message) { }
    public HubNetworkException(string repoId, string message, Exception inner) : base(repoId, message, inner) { }
}

/// <summary>
/// The Hub's answer cannot be trusted: a downloaded file does not match its sha256 (the LFS ETag) or its announced size,
/// a required header is missing, or a file name would leave the cache folder. Nothing of it entered <c>blobs/</c> or
/// <c>snapshots/</c>.
/// </summary>
public sealed class HubIntegrityException(string repoId, string fileName, string message) : HubException(repoId, message)
{
    public string FileName { get; } = fileName;
}
