using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Electra.Tests.Hub;

/// <summary>What the CDN does with one GET of an LFS file: cut it after some bytes, corrupt a byte, or pause.</summary>
public sealed record CdnFault(int? CutAfter = null, bool Corrupt = false, int? PauseAfter = null, Task? Resume = null);

/// <summary>A repository of the fake hub: files at one commit, refs naming commits, access rules.</summary>
public sealed class FakeRepo
{
    public required string Id { get; init; }
    public Dictionary<string, Dictionary<string, byte[]>> Commits { get; } = new();
    public Dictionary<string, string> Refs { get; } = new();
    public bool Private { get; set; }
    public bool Gated { get; set; }

    /// <summary>LFS files (weights) go through the CDN redirect with their sha256 as X-Linked-Etag, as on the Hub.</summary>
    public static bool IsLfs(string file) => file.EndsWith(".safetensors") || file.EndsWith(".bin") || file.EndsWith(".h5") || file.EndsWith(".onnx");
}

/// <summary>
/// A fake Hugging Face Hub on loopback, speaking the protocol huggingface_hub relies on: <c>/api/models/{repo}/revision/{rev}</c>
/// (sha, siblings), <c>/{repo}/resolve/{rev}/{file}</c> (X-Repo-Commit, ETag = git sha1 for regular files; a 302 to a
/// second server, the "CDN", with X-Linked-Etag = sha256 and X-Linked-Size for LFS files), X-Error-Code on errors,
/// Range requests on the CDN. Every request is recorded for the tests to inspect.
/// </summary>
public sealed class FakeHub : IAsyncDisposable
{
    private readonly FakeHttpServer _hub;
    private readonly FakeHttpServer _cdn;
    private readonly ConcurrentDictionary<string, int> _cdnAttempts = new();

    public FakeHub()
    {
        _hub = new FakeHttpServer(HubAsync);
        _cdn = new FakeHttpServer(CdnAsync);
    }

    public string Endpoint => _hub.BaseUrl;
    public string CdnUrl => _cdn.BaseUrl;
    public Dictionary<string, FakeRepo> Repos { get; } = new();
    public Dictionary<string, string> Renamed { get; } = new();
    public string? Token { get; set; }
    public ConcurrentQueue<FakeRequest> HubRequests { get; } = new();
    public ConcurrentQueue<FakeRequest> CdnRequests { get; } = new();

    /// <summary>Decides what the n-th (0-based) CDN GET of a blob does; null serves it plainly.</summary>
    public Func<string, int, CdnFault?>? Fault { get; set; }

    public FakeRepo Add(string id, string commit, IReadOnlyDictionary<string, byte[]> files, params string[] refs)
    {
        var repo = new FakeRepo { Id = id };
        repo.Commits[commit] = new Dictionary<string, byte[]>(files);
        foreach (var r in refs.Length == 0 ? ["main"] : refs) repo.Refs[r] = commit;
        Repos[id] = repo;
        return repo;
    }

    public static string Sha256(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    /// <summary>The git blob id of a regular file: sha1 of "blob {size}\0" + bytes, the Hub's ETag for it.</summary>
    public static string GitSha1(byte[] data) =>
        Convert.ToHexStringLower(SHA1.HashData([.. Encoding.ASCII.GetBytes($"blob {data.Length}\0"), .. data]));

    private async Task HubAsync(FakeRequest request, FakeResponse response)
    {
        HubRequests.Enqueue(request);
        string path = Uri.UnescapeDataString(request.Path.Split('?')[0]).TrimStart('/');
        if (path.StartsWith("api/models/") && path.IndexOf("/revision/") is var r and > 0)
        {
            string id = path["api/models/".Length..r];
            string rev = path[(r + "/revision/".Length)..];
            if (Deny(id, request) is { } denied) { await Error(response, denied.Status, denied.Code); return; }
            var repo = Repos[id];
            if (Commit(repo, rev) is not { } commit) { await Error(response, 404, "RevisionNotFound"); return; }
            var json = JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["id"] = id, ["sha"] = commit,
                ["siblings"] = repo.Commits[commit].Keys.Order().Select(f => new Dictionary<string, string> { ["rfilename"] = f }).ToArray(),
            });
            await response.SendAsync(200, [new("Content-Type", "application/json")], Encoding.UTF8.GetBytes(json));
            return;
        }
        if (path.IndexOf("/resolve/") is var s and > 0)
        {
            string id = path[..s];
            string rest = path[(s + "/resolve/".Length)..];
            if (Renamed.TryGetValue(id, out var newId))
            {
                // A renamed repository: the Hub answers with a relative redirect to the new name.
                await response.SendAsync(307, [new("Location", $"/{newId}/resolve/{rest}")]);
                return;
            }
            if (Deny(id, request) is { } denied) { await Error(response, denied.Status, denied.Code); return; }
            var repo = Repos[id];
            int slash = rest.IndexOf('/');
            string rev = rest[..slash], file = rest[(slash + 1)..];
            if (Commit(repo, rev) is not { } commit) { await Error(response, 404, "RevisionNotFound"); return; }
            if (!repo.Commits[commit].TryGetValue(file, out var bytes)) { await Error(response, 404, "EntryNotFound", commit); return; }
            if (FakeRepo.IsLfs(file))
            {
                string sha = Sha256(bytes);
                await response.SendAsync(302, [
                    new("Location", $"{CdnUrl}/lfs/{sha}?X-Amz-Signature=signed"), new("X-Repo-Commit", commit),
                    new("X-Linked-Etag", $"\"{sha}\""), new("X-Linked-Size", bytes.Length.ToString()), new("ETag", $"\"{GitSha1(Encoding.ASCII.GetBytes(sha))}\"")]);
                return;
            }
            await response.SendAsync(200, [new("X-Repo-Commit", commit), new("ETag", $"\"{GitSha1(bytes)}\"")], bytes);
            return;
        }
        await Error(response, 404, "RepoNotFound");
    }

    private async Task CdnAsync(FakeRequest request, FakeResponse response)
    {
        CdnRequests.Enqueue(request);
        string sha = request.Path.Split('?')[0]["/lfs/".Length..];
        var blob = Repos.Values.SelectMany(r => r.Commits.Values).SelectMany(c => c.Values).FirstOrDefault(b => Sha256(b) == sha);
        if (blob is null) { await response.SendAsync(404, []); return; }
        int attempt = _cdnAttempts.AddOrUpdate(sha, 0, (_, n) => n + 1);
        var fault = Fault?.Invoke(sha, attempt);
        byte[] body = blob;
        if (fault?.Corrupt == true)
        {
            body = (byte[])blob.Clone();
            body[body.Length / 2] ^= 0x5a;
        }
        int start = 0;
        var headers = new List<KeyValuePair<string, string>> { new("Accept-Ranges", "bytes") };
        int status = 200;
        if (request.Header("Range") is { } range && range.StartsWith("bytes=") && range.EndsWith('-'))
        {
            start = int.Parse(range["bytes=".Length..^1]);
            if (start >= body.Length) { await response.SendAsync(416, [new("Content-Range", $"bytes */{body.Length}")]); return; }
            status = 206;
            headers.Add(new("Content-Range", $"bytes {start}-{body.Length - 1}/{body.Length}"));
        }
        await response.SendAsync(status, headers, body[start..], cutAfter: fault?.CutAfter, pauseAfter: fault?.PauseAfter, resume: fault?.Resume);
    }

    private (int Status, string Code)? Deny(string id, FakeRequest request)
    {
        if (!Repos.TryGetValue(id, out var repo)) return (404, "RepoNotFound");
        bool authenticated = Token is not null && request.Header("Authorization") == $"Bearer {Token}";
        if (repo.Private && !authenticated) return (401, "RepoNotFound");
        if (repo.Gated) return (403, "GatedRepo");
        return null;
    }

    private static string? Commit(FakeRepo repo, string rev) =>
        repo.Commits.ContainsKey(rev) ? rev : repo.Refs.TryGetValue(rev, out var c) ? c : null;

    private static Task Error(FakeResponse response, int status, string code, string? commit = null) =>
        response.SendAsync(status, commit is null
            ? [new("X-Error-Code", code), new("X-Error-Message", code)]
            : [new("X-Error-Code", code), new("X-Error-Message", code), new("X-Repo-Commit", commit)]);

    public async ValueTask DisposeAsync()
    {
        await _hub.DisposeAsync();
        await _cdn.DisposeAsync();
    }
}
