using Electra.Core.Errors;
using Electra.Core.Files;

namespace Electra.Tokenizer;

/// <summary>
/// Reads the tokenizer files of a model folder through Core's <see cref="SafeFile"/> (regular files only, links
/// followed to one; FIFOs and devices refused before any open; a byte cap per kind of file), turning its refusals
/// into a <see cref="TokenizerFormatException"/> naming the file, the one error type tokenizer loading throws.
/// </summary>
internal static class TokenizerFiles
{
    /// <summary>vocab.txt: a 250,000-token vocabulary is ~3 MB.</summary>
    internal const long MaxVocabBytes = SafeFile.MaxVocabBytes;

    /// <summary>tokenizer.json: the largest multilingual ones are ~20 MB.</summary>
    internal const long MaxTokenizerJsonBytes = SafeFile.MaxTokenizerJsonBytes;

    /// <summary>tokenizer_config.json and special_tokens_map.json: a few KB in practice.</summary>
    internal const long MaxConfigBytes = SafeFile.MaxJsonBytes;

    /// <summary>The bytes of <paramref name="path"/>, refusing files over <paramref name="maxBytes"/> and anything but a regular file.</summary>
    /// <exception cref="TokenizerFormatException">missing, unreadable, too large or not a regular file.</exception>
    internal static byte[] ReadAllBytes(string path, long maxBytes, string what)
    {
        try
        {
            return SafeFile.ReadAllBytes(path, maxBytes, what);
        }
        catch (InputFileException e)
        {
            throw new TokenizerFormatException(path, null, e.Reason, e);
        }
    }
}
