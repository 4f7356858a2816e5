using System.Runtime.InteropServices;

namespace Electra.Cpu;

/// <summary>
/// Drops the resident pages of a weight that was read from a memory-mapped checkpoint once the backend holds its
/// own (prepacked) copy, so the weight is not counted twice in the process's memory. The pages are clean and
/// file-backed: touching them again simply reads them back from the file.
/// </summary>
internal static unsafe partial class MappedPages
{
    const int MadvDontNeed = 4;

    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = false)]
    private static partial int Madvise(nint address, nuint length, int advice);

    /// <summary>Advises the OS that the whole pages inside <paramref name="data"/> are not needed (Linux only; a no-op for managed arrays).</summary>
    public static void Release(ReadOnlyMemory<float> data)
    {
        if (!OperatingSystem.IsLinux() || data.IsEmpty || MemoryMarshal.TryGetArray(data, out _)) return;
        try
        {
            using var handle = data.Pin();
            nint start = (nint)handle.Pointer, end = start + (nint)data.Length * sizeof(float);
            const nint page = 4096;
            nint first = (start + page - 1) & ~(page - 1), last = end & ~(page - 1);
            if (last > first) Madvise(first, (nuint)(last - first), MadvDontNeed);
        }
        catch (DllNotFoundException) { }
        catch (EntryPointNotFoundException) { }
    }
}
