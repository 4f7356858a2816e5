namespace Electra.Tokenizer;

/// <summary>
/// Reads the tokenizer files of a model folder as a stranger may have made them: at most a cap of bytes per kind of
/// file, checked before reading and again while reading (a device such as /dev/zero reports length 0 and never
/// ends). Every refusal is a <see cref="TokenizerFormatException"/> naming the file.
/// </summary>
internal static class TokenizerFiles
{
    /// <summary>vocab.txt: a 250,000-token vocabulary is ~3 MB.</summary>
    internal const long MaxVocabBytes = 64L << 20;

    /// <summary>tokenizer.json: the largest multilingual ones are ~20 MB.</summary>
    internal const long MaxTokenizerJsonBytes = 256L << 20;

    /// <summary>tokenizer_config.json and special_tokens_map.json: a few KB in practice.</summary>
    internal const long MaxConfigBytes = 64L << 20;

    /// <summary>The bytes of <paramref name="path"/>, refusing files over <paramref name="maxBytes"/>.</summary>
    /// <exception cref="TokenizerFormatException">missing, unreadable, too large or not a regular file.</exception>
    internal static byte[] ReadAllBytes(string path, long maxBytes, string what)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
            long length = stream.CanSeek ? stream.Length : 0;
            if (length > maxBytes) throw TooLarge(path, what, maxBytes, length);
            // Grow as bytes arrive rather than trust the length: devices and files growing meanwhile report less.
            var buffer = new byte[Math.Max(length, 4096)];
            int filled = 0;
            while (true)
            {
                if (filled == buffer.Length)
                {
                    if (filled > maxBytes) throw TooLarge(path, what, maxBytes, null);
                    Array.Resize(ref buffer, (int)Math.Min((long)buffer.Length * 2, maxBytes + 1));
                }
                int n = stream.Read(buffer, filled, buffer.Length - filled);
                if (n == 0) break;
                filled += n;
            }
            if (filled > maxBytes) throw TooLarge(path, what, maxBytes, null);
            return filled == buffer.Length ? buffer : buffer[..filled];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TokenizerFormatException(path, null, $"cannot read {what}: {e.Message}", e);
        }
    }

    private static TokenizerFormatException TooLarge(string path, string what, long maxBytes, long? length) =>
        new(path, null, length is long n
            ? $"{what} is {n:N0} bytes, over the {maxBytes:N0}-byte limit for this kind of file; refused before reading it"
            : $"{what} holds more than the {maxBytes:N0}-byte limit for this kind of file (a device or a file still growing?); refused");
}
