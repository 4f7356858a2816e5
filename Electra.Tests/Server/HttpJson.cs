using System.Net;
using System.Text;
using System.Text.Json;

namespace Electra.Tests.Server;

internal static class HttpJson
{
    public static async Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> Post(HttpClient client, string path, string json,
        CancellationToken cancellationToken = default)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        var response = await client.PostAsync(path, content, cancellationToken);
        return (response.StatusCode, await Parse(response), response);
    }

    public static async Task<(HttpStatusCode Status, JsonElement Body)> Get(HttpClient client, string path)
    {
        var response = await client.GetAsync(path);
        return (response.StatusCode, await Parse(response));
    }

    private static async Task<JsonElement> Parse(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    public static string Str(string s) => JsonSerializer.Serialize(s);

    /// <summary>Asserts TEI's error body: exactly "error" and "error_type".</summary>
    public static void AssertError(JsonElement body, string type, string? contains = null)
    {
        Assert.Equal(JsonValueKind.Object, body.ValueKind);
        Assert.Equal(["error", "error_type"], body.EnumerateObject().Select(p => p.Name).OrderBy(n => n, StringComparer.Ordinal));
        Assert.Equal(type, body.GetProperty("error_type").GetString());
        if (contains is not null) Assert.Contains(contains, body.GetProperty("error").GetString());
    }
}
