using System.Text;
using Electra.Core.Errors;

namespace Electra.Core.Files;

/// <summary>
/// Reads the files a model folder points at as a stranger may have made them: regular files only (a link is
/// followed and must end at a regular file, as Hugging Face cache snapshots link into <c>blobs/</c>), never a FIFO
/// (opening one blocks until a writer appears) or a device (<c>/dev/zero</c> never ends), and never more bytes than
/// the limit for the kind of file. Every refusal is an <see cref="InputFileException"/> naming the path.
/// </summary>
/// <example><code>
/// var json = SafeFile.ReadAllBytes(path, SafeFile.MaxJsonBytes, "config.json");
/// </code></example>
public static class SafeFile
{
    /// <summary>Limit for small JSON files: config.json, tokenizer_config.json, special_tokens_map.json, shard indexes, inputs.</summary>
    public const long MaxJsonBytes = 64L << 20;

    /// <summary>Limit for tokenizer.json (the largest multilingual ones are ~20 MB).</summary>
    public const long MaxTokenizerJsonBytes = 256L << 20;

    /// <summary>Limit for an inputs.json of <c>electra forward</c> (inputs_embeds of a large batch are hundreds of MB as text).</summary>
    public const long MaxInputsJsonBytes = 512L << 20;

    /// <summary>Limit for vocab.txt (a 250,000-token vocabulary is ~3 MB).</summary>
    public const long MaxVocabBytes = 64L << 20;

    /// <summary>
    /// Throws unless <paramref name="path"/> is a regular file (after following links). Call before opening a file
    /// by other means (a memory map, a zip reader).
    /// </summary>
    /// <param name="path">the file.</param>
    /// <param name="what">what the file is, for the message ("config.json", "the vocabulary").</param>
    /// <exception cref="InputFileException">missing, inaccessible, or not a regular file.</exception>
    public static void RequireRegularFile(string path, string what)
    {
        var kind = FileKinds.Of(path);
        string? problem = kind switch
        {
            FileKind.Regular or FileKind.Unknown => null,
            FileKind.Missing => "file not found",
            FileKind.Inaccessible => "cannot be accessed (permissions or a link loop)",
            FileKind.Directory => "is a directory, not a file",
            FileKind.Fifo => "is a FIFO (named pipe), not a regular file: refused, reading it could block forever",
            FileKind.CharacterDevice or FileKind.BlockDevice => "is a device, not a regular file: refused, reading it may never end",
            FileKind.Socket => "is a socket, not a regular file",
            _ => "is not a regular file",
        };
        if (problem is null) return;
        var link = LinkNote(path);
        throw new InputFileException(path, $"{what} {problem}{link}");
    }

    /// <summary>Opens a regular file for reading (shared read), after <see cref="RequireRegularFile"/>.</summary>
    /// <exception cref="InputFileException">not a regular file, or it cannot be opened.</exception>
    public static FileStream OpenRead(string path, string what)
    {
        RequireRegularFile(path, what);
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputFileException(path, $"cannot open {what}: {e.Message}", e);
        }
    }

    /// <summary>
    /// Reads a whole regular file of at most <paramref name="maxBytes"/> bytes. The length is checked before
    /// reading and the read stops one byte past the limit, so a file that grows meanwhile cannot exceed it either.
    /// </summary>
    /// <exception cref="InputFileException">not a regular file, larger than the limit, or unreadable.</exception>
    public static byte[] ReadAllBytes(string path, long maxBytes, string what)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxBytes, (long)Array.MaxLength - 1);
        using var stream = OpenRead(path, what);
        try
        {
            long length = stream.Length;
            if (length > maxBytes) throw TooLarge(path, what, length, maxBytes);
            var buffer = new byte[length];
            int filled = 0;
            while (filled < buffer.Length)
            {
                int n = stream.Read(buffer, filled, buffer.Length - filled);
                if (n == 0) break; // shrank meanwhile: what is there is the file
                filled += n;
            }
            if (filled < buffer.Length) return buffer[..filled];
            // Grown meanwhile: one more byte says whether it is still within the limit.
            Span<byte> probe = stackalloc byte[1];
            if (stream.Read(probe) != 0)
                throw new InputFileException(path, $"{what} grew while it was read; read it again once it is complete");
            return buffer;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputFileException(path, $"cannot read {what}: {e.Message}", e);
        }
    }

    /// <summary>
    /// <see cref="ReadAllBytes"/> decoded as strict UTF-8 (a leading byte-order mark is dropped). Invalid UTF-8 is
    /// an <see cref="InputFileException"/> naming the byte offset.
    /// </summary>
    public static string ReadAllText(string path, long maxBytes, string what)
    {
        var bytes = ReadAllBytes(path, maxBytes, what);
        int start = bytes.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0;
        try
        {
            return StrictUtf8.GetString(bytes, start, bytes.Length - start);
        }
        catch (DecoderFallbackException e)
        {
            throw new InputFileException(path, $"{what} is not valid UTF-8 (byte {start + e.Index}): {e.Message}", e);
        }
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static InputFileException TooLarge(string path, string what, long length, long max) =>
        new(path, $"{what} is {length:N0} bytes, over the {max:N0}-byte limit for this kind of file; refused before reading it");

    private static string LinkNote(string path)
    {
        try
        {
            var target = File.ResolveLinkTarget(path, returnFinalTarget: true);
            return target is null ? "" : $" (it is a link to '{target.FullName}')";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }
}
