using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Electra.Tests.Hub;

/// <summary>A request as the fake server read it: method, raw path (with query) and headers (case-insensitive).</summary>
public sealed record FakeRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;
}

/// <summary>
/// A minimal HTTP/1.1 server on 127.0.0.1, port 0 (the OS picks a free one, so tests never collide): one request per
/// connection, answered by a handler that writes the status line, headers and as much of the body as it likes — which
/// is what a test of dropped connections needs and a full server does not let a handler do.
/// </summary>
public sealed class FakeHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<FakeRequest, FakeResponse, Task> _handler;
    private readonly Task _accepting;
    private readonly List<Task> _connections = [];

    public FakeHttpServer(Func<FakeRequest, FakeResponse, Task> handler)
    {
        _handler = handler;
        _listener.Start();
        BaseUrl = $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";
        _accepting = AcceptAsync();
    }

    /// <summary>"http://127.0.0.1:PORT", no trailing slash.</summary>
    public string BaseUrl { get; }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception) { return; }
            lock (_connections) _connections.Add(Task.Run(() => ServeAsync(client)));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var request = await ReadRequestAsync(stream);
                if (request is null) return;
                await _handler(request, new FakeResponse(stream, request.Method == "HEAD"));
            }
            catch (IOException) { } // the client went away
            catch (ObjectDisposedException) { }
        }
    }

    private static async Task<FakeRequest?> ReadRequestAsync(NetworkStream stream)
    {
        var head = new List<byte>();
        var one = new byte[1];
        while (head.Count < 65536)
        {
            if (await stream.ReadAsync(one) == 0) return null;
            head.Add(one[0]);
            int n = head.Count;
            if (n >= 4 && head[n - 4] == '\r' && head[n - 3] == '\n' && head[n - 2] == '\r' && head[n - 1] == '\n') break;
        }
        var lines = Encoding.ASCII.GetString(head.ToArray()).Split("\r\n");
        var first = lines[0].Split(' ');
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1).Where(l => l.Length > 0))
        {
            int colon = line.IndexOf(':');
            headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }
        return new FakeRequest(first[0], first[1], headers);
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        await _accepting;
        Task[] open;
        lock (_connections) open = [.. _connections];
        await Task.WhenAll(open);
        _stop.Dispose();
    }
}

/// <summary>Writes one response; <see cref="SendAsync"/> can stop after part of the body and cut the connection.</summary>
public sealed class FakeResponse(NetworkStream stream, bool isHead)
{
    /// <summary>
    /// Sends the status, headers (Content-Length from <paramref name="body"/> unless given) and the body. With
    /// <paramref name="cutAfter"/>, only that many body bytes are sent and the connection is closed, as a network drop
    /// does; with <paramref name="pauseAfter"/>, the body stops there until <paramref name="resume"/> completes.
    /// </summary>
    public async Task SendAsync(int status, IEnumerable<KeyValuePair<string, string>> headers, byte[]? body = null,
        long? contentLength = null, int? cutAfter = null, int? pauseAfter = null, Task? resume = null)
    {
        body ??= [];
        var sb = new StringBuilder($"HTTP/1.1 {status} {Reason(status)}\r\n");
        foreach (var (k, v) in headers) sb.Append(k).Append(": ").Append(v).Append("\r\n");
        sb.Append("Content-Length: ").Append(contentLength ?? body.Length).Append("\r\n");
        sb.Append("Connection: close\r\n\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(sb.ToString()));
        if (isHead) { await stream.FlushAsync(); return; }
        int end = cutAfter is int c ? Math.Min(c, body.Length) : body.Length;
        int start = 0;
        if (pauseAfter is int p && p < end)
        {
            await stream.WriteAsync(body.AsMemory(0, p));
            await stream.FlushAsync();
            await resume!;
            start = p;
        }
        await stream.WriteAsync(body.AsMemory(start, end - start));
        await stream.FlushAsync();
    }

    private static string Reason(int status) => status switch
    {
        200 => "OK", 206 => "Partial Content", 302 => "Found", 307 => "Temporary Redirect", 401 => "Unauthorized",
        403 => "Forbidden", 404 => "Not Found", 416 => "Range Not Satisfiable", 500 => "Internal Server Error", _ => "Status",
    };
}
