using System.IO.Compression;
using Electra.Core.Errors;
using Electra.Core.Files;

namespace Electra.Core.Checkpoints.PyTorch;

/// <summary>
/// The zip container <c>torch.save</c> writes since PyTorch 1.6: <c>&lt;archive&gt;/data.pkl</c> plus one entry
/// <c>&lt;archive&gt;/data/&lt;key&gt;</c> per storage. Every read is checked against the sizes the zip declares
/// and against what the file could possibly hold, so a lying or bomb-like archive is refused before allocation.
/// Not thread-safe; <see cref="PyTorchBinCheckpoint"/> serialises access.
/// </summary>
internal sealed class TorchZipArchive : IDisposable
{
    // DEFLATE cannot expand data by more than about 1032:1; a larger declared ratio is a lie or a bomb.
    private const long MaxDeflateRatio = 1032;

    private const string LegacyAdvice = "unsupported legacy format (torch.save before PyTorch 1.6): re-save it with "
        + "torch.save(..., _use_new_zipfile_serialization=True) or convert it to safetensors";

    private readonly ZipArchive _zip;
    private readonly long _fileLength;
    private readonly PickleLimits _limits;

    private TorchZipArchive(string path, ZipArchive zip, long fileLength, string prefix, PickleLimits limits)
    {
        Path = path;
        _zip = zip;
        _fileLength = fileLength;
        Prefix = prefix;
        _limits = limits;
    }

    public string Path { get; }

    /// <summary>The archive's top folder (torch uses the file's stem, newer versions "archive").</summary>
    public string Prefix { get; }

    public static TorchZipArchive Open(string path, PickleLimits limits)
    {
        if (!File.Exists(path)) throw new CheckpointFormatException(path, "file not found");
        FileStream stream;
        try { stream = SafeFile.OpenRead(path, "the checkpoint"); }
        catch (InputFileException e) { throw new CheckpointFormatException(path, e.Reason, e); }
        try
        {
            CheckSignature(path, stream);
            ZipArchive zip;
            try
            {
                zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: false);
                _ = zip.Entries.Count; // the central directory is parsed lazily; make its errors surface here
            }
            catch (Exception e) when (e is InvalidDataException or IOException or ArgumentException)
            {
                throw new CheckpointFormatException(path, $"not a readable zip archive (truncated or corrupt?): {e.Message}", e);
            }
            string prefix = FindPrefix(path, zip);
            var archive = new TorchZipArchive(path, zip, stream.Length, prefix, limits);
            archive.CheckByteOrder();
            return archive;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>The bytes of <c>data.pkl</c>.</summary>
    public byte[] ReadPickle()
    {
        var entry = _zip.GetEntry(Prefix + "data.pkl")!;
        return ReadEntry(entry, _limits.MaxPickleBytes, "the pickle");
    }

    /// <summary>The bytes of one storage, checked against the zip's declared sizes.</summary>
    public byte[] ReadStorage(string key) => ReadEntry(StorageEntry(key), _limits.MaxStorageBytes, $"storage '{key}'");

    /// <summary>
    /// Reads one storage straight into <paramref name="destination"/>, which must be exactly its declared size
    /// (saves a copy for float32 tensors that are their whole storage).
    /// </summary>
    public void ReadStorageInto(string key, Span<byte> destination)
    {
        var entry = StorageEntry(key);
        CheckDeclaredSizes(entry, _limits.MaxStorageBytes, $"storage '{key}'");
        if (entry.Length != destination.Length)
            throw new ArgumentException($"storage '{key}' has {entry.Length} bytes, the destination {destination.Length}");
        ReadChecked(entry, destination, $"storage '{key}'");
    }

    private ZipArchiveEntry StorageEntry(string key) => _zip.GetEntry(StorageEntryName(key))
        ?? throw new CheckpointFormatException(Path, $"storage '{key}' is missing: no entry {StorageEntryName(key)}");

    public string StorageEntryName(string key) => $"{Prefix}data/{key}";

    public void Dispose() => _zip.Dispose();

    private static void CheckSignature(string path, FileStream stream)
    {
        Span<byte> head = stackalloc byte[4];
        int read = stream.ReadAtLeast(head, 4, throwOnEndOfStream: false);
        stream.Position = 0;
        if (read == 4 && head[0] == (byte)'P' && head[1] == (byte)'K') return;
        // The legacy format is a bare pickle stream starting with PROTO 2 and torch's magic number,
        // or (before 0.4) a tar file; either way it starts with a pickle opcode or a tar header, not "PK".
        if (read >= 1 && head[0] == 0x80) throw new CheckpointFormatException(path, LegacyAdvice);
        if (IsTar(stream)) throw new CheckpointFormatException(path, LegacyAdvice);
        throw new CheckpointFormatException(path,
            read == 0 ? "file is empty" : "not a PyTorch checkpoint: it is neither a zip archive nor a legacy torch.save file");
    }

    private static bool IsTar(FileStream stream)
    {
        Span<byte> magic = stackalloc byte[5];
        if (stream.Length < 262) return false;
        stream.Position = 257;
        int read = stream.ReadAtLeast(magic, 5, throwOnEndOfStream: false);
        stream.Position = 0;
        return read == 5 && magic.SequenceEqual("ustar"u8);
    }

    private static string FindPrefix(string path, ZipArchive zip)
    {
        var pickles = zip.Entries
            .Select(e => e.FullName)
            .Where(n => n.EndsWith("/data.pkl", StringComparison.Ordinal) && n.IndexOf('/') == n.Length - "/data.pkl".Length)
            .ToList();
        return pickles.Count switch
        {
            1 => pickles[0][..^"data.pkl".Length],
            0 => throw new CheckpointFormatException(path, "zip archive has no <archive>/data.pkl: not a torch.save checkpoint"),
            _ => throw new CheckpointFormatException(path, $"zip archive has {pickles.Count} data.pkl entries: {string.Join(", ", pickles)}"),
        };
    }

    private void CheckByteOrder()
    {
        var entry = _zip.GetEntry(Prefix + "byteorder");
        if (entry is null) return; // written since PyTorch 2.1; older archives are little-endian
        var text = System.Text.Encoding.ASCII.GetString(ReadEntry(entry, 16, "byteorder")).Trim();
        if (text != "little")
            throw new CheckpointFormatException(Path, $"storages are stored '{text}'-endian; only little-endian is supported");
    }

    /// <summary>
    /// Checks a storage entry's declared sizes without reading it: the entry exists, fits the limits, and its
    /// declared size is one that its compressed bytes in this file could really produce.
    /// </summary>
    /// <returns>The declared (uncompressed) size in bytes.</returns>
    public long CheckStorageEntry(string key, string what)
    {
        var entry = _zip.GetEntry(StorageEntryName(key))
            ?? throw new CheckpointFormatException(Path, $"{what} uses storage '{key}', but the archive has no entry {StorageEntryName(key)}");
        CheckDeclaredSizes(entry, _limits.MaxStorageBytes, $"{what}: storage '{key}'");
        return entry.Length;
    }

    private void CheckDeclaredSizes(ZipArchiveEntry entry, long limit, string what)
    {
        long declared = entry.Length;
        long compressed = entry.CompressedLength;
        if (declared > limit || declared > Array.MaxLength)
            throw new CheckpointFormatException(Path, $"{what} ({entry.FullName}) declares {declared} bytes, more than the limit of {Math.Min(limit, Array.MaxLength)}");
        if (compressed > _fileLength)
            throw new CheckpointFormatException(Path, $"{what} ({entry.FullName}) declares {compressed} compressed bytes but the whole file has {_fileLength}");
        if (declared > Math.Max(compressed, 1) * MaxDeflateRatio)
            throw new CheckpointFormatException(Path, $"{what} ({entry.FullName}) declares {declared} bytes from {compressed} compressed bytes, more than any real compression yields (zip bomb?)");
    }

    private byte[] ReadEntry(ZipArchiveEntry entry, long limit, string what)
    {
        CheckDeclaredSizes(entry, limit, what);
        var buffer = new byte[entry.Length];
        ReadChecked(entry, buffer, what);
        return buffer;
    }

    /// <summary>Reads exactly the declared bytes, then insists the entry ends there and its CRC-32 matches.</summary>
    private void ReadChecked(ZipArchiveEntry entry, Span<byte> buffer, string what)
    {
        long declared = entry.Length;
        try
        {
            using var stream = entry.Open();
            int read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            if (read < buffer.Length)
                throw new CheckpointFormatException(Path, $"{what} ({entry.FullName}) holds {read} bytes but declares {declared} (truncated archive?)");
            if (stream.ReadByte() >= 0)
                throw new CheckpointFormatException(Path, $"{what} ({entry.FullName}) holds more bytes than the {declared} it declares");
        }
        catch (Exception e) when (e is InvalidDataException or IOException or NotSupportedException)
        {
            throw new CheckpointFormatException(Path, $"{what} ({entry.FullName}) cannot be read: {e.Message}", e);
        }
        // A zero CRC means the writer skipped it (torch.serialization.set_crc32_options(False)).
        uint crc = ZipCrc32.Compute(buffer);
        if (entry.Crc32 != 0 && crc != entry.Crc32)
            throw new CheckpointFormatException(Path,
                $"{what} ({entry.FullName}) fails its CRC-32 check (stored {entry.Crc32:X8}, computed {crc:X8}): corrupt, or its declared size is wrong");
    }
}
