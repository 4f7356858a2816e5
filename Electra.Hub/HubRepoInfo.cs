using System.Collections.Immutable;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Electra.Hub;

/// <summary>
/// What <c>GET {endpoint}/api/models/{repo}/revision/{revision}</c> says: the commit the revision names (<c>sha</c>)
/// and the repository's files at that commit (<c>siblings[].rfilename</c>).
/// </summary>
/// <param name="Commit">The 40-digit commit hash.</param>
/// <param name="Files">Every file path of the repository at that commit.</param>
public sealed partial record HubRepoInfo(string Commit, ImmutableArray<string> Files)
{
    /// <summary>Reads the API answer, refusing anything that could steer a cache path: a commit that is not 40 hex
    /// digits, or a file name that is absolute, holds a backslash or an empty, "." or ".." segment.</summary>
    /// <exception cref="HubIntegrityException">the answer is not such a JSON object.</exception>
    public static HubRepoInfo Parse(string repoId, ReadOnlySpan<byte> json)
    {
        const string what = "the model info (api/models)";
        try
        {
            using var doc = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { MaxDepth = 64 });
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new HubIntegrityException(repoId, what, $"{what} of '{repoId}' is not a JSON object");
            if (!root.TryGetProperty("sha", out var sha) || sha.ValueKind != JsonValueKind.String || !ModelLocator.IsCommitHash(sha.GetString()!))
                throw new HubIntegrityException(repoId, what, $"{what} of '{repoId}' has no 40-digit commit hash in 'sha'");
            var files = ImmutableArray.CreateBuilder<string>();
            if (root.TryGetProperty("siblings", out var siblings))
            {
                if (siblings.ValueKind != JsonValueKind.Array)
                    throw new HubIntegrityException(repoId, what, $"{what} of '{repoId}': 'siblings' is not a list");
                int i = 0;
                foreach (var sibling in siblings.EnumerateArray())
                {
                    if (sibling.ValueKind != JsonValueKind.Object || !sibling.TryGetProperty("rfilename", out var name) || name.ValueKind != JsonValueKind.String)
                        throw new HubIntegrityException(repoId, what, $"{what} of '{repoId}': siblings[{i}] has no 'rfilename' string");
                    string file = name.GetString()!;
                    if (!IsSafeFileName(file))
                        throw new HubIntegrityException(repoId, file, $"{what} of '{repoId}': siblings[{i}] names '{file}', which is not a relative path inside the repository");
                    files.Add(file);
                    i++;
                }
            }
            return new HubRepoInfo(sha.GetString()!, files.ToImmutable());
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new HubIntegrityException(repoId, what, $"{what} of '{repoId}' is not valid JSON: {e.Message}");
        }
    }

    /// <summary>True for a repository path that stays inside a snapshot folder on every platform.</summary>
    public static bool IsSafeFileName(string name) =>
        name.Length is > 0 and <= 1024 && !name.StartsWith('/') && !name.Contains('\\') && !name.Contains(':') && !name.Contains('\0')
        && name.Split('/').All(part => part.Length > 0 && part != "." && part != "..");

    /// <summary>True for an ETag usable as a blob file name (hex digits, as the Hub sends them, or other plain characters).</summary>
    public static bool IsSafeEtag(string etag) => EtagPattern().IsMatch(etag);

    /// <summary>True for a 64-digit sha256: the ETag of an LFS file, which the downloaded bytes must hash to.</summary>
    public static bool IsSha256(string etag) => Sha256Pattern().IsMatch(etag);

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_\-]{0,127}$")]
    private static partial Regex EtagPattern();

    [GeneratedRegex(@"^[0-9a-f]{64}$")]
    private static partial Regex Sha256Pattern();
}
