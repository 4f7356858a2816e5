using System.Net;
using System.Net.Http.Headers;

namespace Electra.Hub;

/// <summary>
/// The HTTP side of the Hub protocol as huggingface_hub speaks it: every request carries the user agent and, to the
/// Hub's own host only, the bearer token; <c>Accept-Encoding: identity</c> so sizes are the files' sizes; redirects
/// are followed by hand so that relative ones (a renamed repository) keep the token and one to another host (the
/// CDN holding LFS files) drops it.
/// </summary>
internal sealed class HubHttp : IDisposable
{
    private const int MaxRedirects = 10;
    private readonly HttpClient _client;
    private readonly HubOptions _options;
    private readonly Uri _endpoint;

    public HubHttp(HubOptions options, string repoId)
    {
        _options = options;
        if (!Uri.TryCreate(options.Endpoint.TrimEnd('/') + "/", UriKind.Absolute, out var endpoint) || endpoint.Scheme is not ("http" or "https"))
            throw new HubException(repoId, $"HF_ENDPOINT '{options.Endpoint}' is not an http(s) address");
        _endpoint = endpoint;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = options.RequestTimeout,
        };
        _client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public string Endpoint => _endpoint.AbsoluteUri.TrimEnd('/');

    public Uri Url(string relative) => new(_endpoint, relative);

    /// <summary>
    /// Sends a request and follows redirects: relative ones always, absolute ones only when <paramref name="followAbsolute"/>
    /// (a HEAD for metadata stops at the CDN redirect, whose headers carry the LFS ETag and size). Waits at most
    /// <see cref="HubOptions.RequestTimeout"/> for the response headers.
    /// </summary>
    /// <exception cref="HttpRequestException">the connection failed.</exception>
    /// <exception cref="TimeoutException">no answer within the request timeout.</exception>
    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, Uri url, bool followAbsolute, long rangeStart, CancellationToken ct)
    {
        for (int hop = 0; ; hop++)
        {
            var request = new HttpRequestMessage(method, url);
            request.Headers.UserAgent.ParseAdd($"electra-dotnet/{typeof(HubHttp).Assembly.GetName().Version?.ToString(3) ?? "0"}");
            request.Headers.UserAgent.ParseAdd($"dotnet/{Environment.Version}");
            request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("identity"));
            // The token goes to the Hub's host only: a CDN URL is signed already and must never see it.
            if (_options.Token is { } token && SameAuthority(url, _endpoint))
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Value);
            if (rangeStart > 0) request.Headers.Range = new RangeHeaderValue(rangeStart, null);

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(_options.RequestTimeout);
            HttpResponseMessage response;
            try
            {
                response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new TimeoutException($"no answer from {Redact(url)} within {_options.RequestTimeout.TotalSeconds:0.#} s");
            }

            int status = (int)response.StatusCode;
            if (status is < 300 or > 399 || response.Headers.Location is not { } location) return response;
            var target = location.IsAbsoluteUri ? location : new Uri(url, location);
            if (location.IsAbsoluteUri && !followAbsolute) return response;
            if (hop == MaxRedirects)
            {
                response.Dispose();
                throw new HttpRequestException($"more than {MaxRedirects} redirects from {Redact(url)}");
            }
            response.Dispose();
            url = target;
        }
    }

    /// <summary>The URL without its query (CDN URLs carry signatures in it), for messages.</summary>
    public static string Redact(Uri url) => url.GetLeftPart(UriPartial.Path);

    private static bool SameAuthority(Uri a, Uri b) =>
        string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(a.Host, b.Host, StringComparison.OrdinalIgnoreCase) && a.Port == b.Port;

    public void Dispose() => _client.Dispose();
}
