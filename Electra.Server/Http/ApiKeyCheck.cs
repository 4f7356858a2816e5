using System.Security.Cryptography;
using System.Text;

namespace Electra.Server.Http;

/// <summary>
/// The optional API key: TEI's <c>Authorization: Bearer KEY</c>. Compared as SHA-256 digests with a fixed-time
/// comparison, so neither the key's content nor its length can be learnt from response times.
/// </summary>
internal sealed class ApiKeyCheck(string key)
{
    private readonly byte[] _expected = SHA256.HashData(Encoding.UTF8.GetBytes("Bearer " + key));

    public bool Allows(string? authorization)
    {
        var given = SHA256.HashData(Encoding.UTF8.GetBytes(authorization ?? ""));
        return CryptographicOperations.FixedTimeEquals(given, _expected);
    }
}
