namespace Electra.Core.Errors;

/// <summary>
/// A tokenizer file (vocab.txt, tokenizer.json, tokenizer_config.json) is unreadable or malformed, or describes a
/// tokenizer Electra.NET does not support. <see cref="Location"/> names the line ("line 12") or JSON field
/// ("model.vocab") at fault when one is known.
/// </summary>
public class TokenizerFormatException : ElectraException
{
    public string FilePath { get; }
    public string? Location { get; }

    public TokenizerFormatException(string filePath, string? location, string message)
        : base(Format(filePath, location, message))
    {
        FilePath = filePath;
        Location = location;
    }

    public TokenizerFormatException(string filePath, string? location, string message, Exception inner)
        : base(Format(filePath, location, message), inner)
    {
        FilePath = filePath;
        Location = location;
    }

    private static string Format(string filePath, string? location, string message) =>
        location is null ? $"{filePath}: {message}" : $"{filePath} ({location}): {message}";
}
