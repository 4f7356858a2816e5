namespace Electra.Hub;

/// <summary>
/// A Hugging Face access token, sent as <c>Authorization: Bearer …</c> to the Hub (never to a CDN it redirects to).
/// Its <see cref="ToString"/> is redacted, so options records and messages that print it never show the secret.
/// </summary>
/// <example><code>var options = HubOptions.FromEnvironment() with { Token = new HubToken("hf_...") };</code></example>
public sealed class HubToken
{
    /// <param name="value">The token; surrounding whitespace and line breaks are removed as huggingface_hub does.</param>
    /// <exception cref="ArgumentException">the token is empty.</exception>
    public HubToken(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        Value = value.Replace("\r", "").Replace("\n", "").Trim();
        if (Value.Length == 0) throw new ArgumentException("a Hugging Face token cannot be empty", nameof(value));
    }

    /// <summary>The secret itself.</summary>
    public string Value { get; }

    /// <summary>Where it came from (HF_TOKEN, a token file path, "explicit"), for messages.</summary>
    public string Source { get; init; } = "explicit";

    /// <summary>"HubToken(from SOURCE, redacted)": never the secret.</summary>
    public override string ToString() => $"HubToken(from {Source}, redacted)";
}
