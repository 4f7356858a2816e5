using Electra.Core.Errors;

namespace Electra.Tokenizer;

/// <summary>
/// A tokenizer file (vocab.txt, tokenizer.json, tokenizer_config.json, special_tokens_map.json) is unreadable,
/// malformed, too large or not a regular file, or describes a tokenizer Electra.NET does not support.
/// <see cref="Location"/> names the line ("line 12") or JSON field ("model.vocab") at fault when one is known.
/// </summary>
public class TokenizerFormatException : ElectraException
{
    /// <summary>The file at fault (or the model directory when a file is missing).</summary>
    public string FilePath { get; }

    /// <summary>The line or JSON field at fault, when known.</summary>
    public string? Location { get; }

    /// <summary>An error in <paramref name="filePath"/> at <paramref name="location"/> (null: the whole file).</summary>
    public TokenizerFormatException(string filePath, string? location, string message)
        : base(Format(filePath, location, message))
    {
        FilePath = filePath;
        Location = location;
    }

    /// <summary>As <see cref="TokenizerFormatException(string, string?, string)"/>, with the error that caused it.</summary>
    public TokenizerFormatException(string filePath, string? location, string message, Exception inner)
        : base(Format(filePath, location, message), inner)
    {
        FilePath = filePath;
        Location = location;
    }

    private static string Format(string filePath, string? location, string message) =>
        location is null ? $"{filePath}: {message}" : $"{filePath} ({location}): {message}";
}

/// <summary>
/// Arguments of an encode call are inconsistent: negative max_length or stride, a window that leaves no room for
/// text, a destination buffer too small for [CLS] and [SEP].
/// </summary>
public class TokenizerInputException : ElectraException
{
    /// <summary>An error described by <paramref name="message"/>.</summary>
    public TokenizerInputException(string message) : base(message) { }
}
