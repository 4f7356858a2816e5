using Electra.Core.Errors;
using Electra.Core.Files;
using Microsoft.Win32.SafeHandles;

namespace Electra.Core.Checkpoints;

/// <summary>
/// Positional reads from a checkpoint file that stays open while tensors are read. A short read (the file was cut
/// after it was opened) is a typed error, where a memory map would kill the process with SIGBUS.
/// </summary>
internal sealed class CheckpointFileReader : IDisposable
{
    private readonly SafeFileHandle _handle;

    private CheckpointFileReader(string path, SafeFileHandle handle, long length) => (Path, _handle, Length) = (path, handle, length);

    public string Path { get; }

    /// <summary>The length when opened; every offset was validated against it.</summary>
    public long Length { get; }

    /// <exception cref="CheckpointFormatException">not a regular file, or it cannot be opened.</exception>
    public static CheckpointFileReader Open(string path)
    {
        try { SafeFile.RequireRegularFile(path, "the checkpoint"); }
        catch (InputFileException e) { throw new CheckpointFormatException(path, e.Reason, e); }
        SafeFileHandle handle;
        try { handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointFormatException(path, $"cannot be opened: {e.Message}", e);
        }
        try
        {
            return new CheckpointFileReader(path, handle, RandomAccess.GetLength(handle));
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Fills <paramref name="destination"/> from <paramref name="offset"/>; <paramref name="what"/> names the tensor or part in errors.</summary>
    public void ReadExactly(Span<byte> destination, long offset, string what)
    {
        int filled = 0;
        try
        {
            while (filled < destination.Length)
            {
                int n = RandomAccess.Read(_handle, destination[filled..], offset + filled);
                if (n == 0)
                    throw new CheckpointFormatException(Path,
                        $"'{what}': the file ends at byte {offset + filled}, but was {Length} bytes when opened (cut while in use?)");
                filled += n;
            }
        }
        catch (IOException e)
        {
            throw new CheckpointFormatException(Path, $"'{what}': read failed at byte {offset + filled}: {e.Message}", e);
        }
    }

    public void Dispose() => _handle.Dispose();
}
