using Electra.Core.Checkpoints;
using System.Runtime.InteropServices;

namespace Electra.Cpu;

/// <summary>
/// Drops the resident pages of a weight read from a memory-mapped checkpoint once the backend holds its own
/// (prepacked) copy, so the weight is not counted twice in the process's memory. Only checkpoint file mappings are
/// touched (<see cref="FileMappedMemory"/>): their clean pages are simply read back from the file if used again,
/// whereas MADV_DONTNEED on anonymous memory would zero data that someone else may still use.
/// </summary>
internal static unsafe partial class MappedPages
{
    const int MadvDontNeed = 4;
    const nint PageSize = 4096;

    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = false)]
    private static partial int Madvise(nint address, nuint length, int advice);

    /// <summary>Releases the whole pages inside <paramref name="data"/> when it views a checkpoint file (Linux only).</summary>
    public static void Release(ReadOnlyMemory<float> data)
    {
        if (!OperatingSystem.IsLinux() || data.IsEmpty || !FileMappedMemory.IsFileMapped(data)) return;
        try
        {
            using var handle = data.Pin();
            nint start = (nint)handle.Pointer, end = start + (nint)data.Length * sizeof(float);
            nint first = (start + PageSize - 1) & ~(PageSize - 1), last = end & ~(PageSize - 1);
            if (last > first) Madvise(first, (nuint)(last - first), MadvDontNeed);
        }
        catch (DllNotFoundException) { }
        catch (EntryPointNotFoundException) { }
    }
}
