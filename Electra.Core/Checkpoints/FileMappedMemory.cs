using System.Runtime.InteropServices;

namespace Electra.Core.Checkpoints;

/// <summary>
/// Tensor memory that views a checkpoint file mapped read-only by this library, and a way to let the OS drop its
/// resident pages once a backend holds its own copy, so a weight is not counted twice in the process's memory.
/// </summary>
public static unsafe partial class FileMappedMemory
{
    const int MadvDontNeed = 4;
    const nint PageSize = 4096;

    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = false)]
    private static partial int Madvise(nint address, nuint length, int advice);

    /// <summary>
    /// True when <paramref name="memory"/> views a checkpoint file mapped read-only by this library: its pages are
    /// clean copies of the file.
    /// </summary>
    public static bool IsFileMapped<T>(ReadOnlyMemory<T> memory) where T : unmanaged =>
        MemoryMarshal.TryGetMemoryManager<T, UnmanagedMemory<T>>(memory, out _);

    /// <summary>
    /// Lets the OS drop the resident pages wholly inside <paramref name="memory"/> when it views a checkpoint file
    /// (Linux; elsewhere, or for any other memory, nothing happens). The data stays valid: a dropped page is read back
    /// from the file when next touched. Other memory is never touched, because MADV_DONTNEED on anonymous memory
    /// would zero data that someone may still use.
    /// </summary>
    public static void ReleaseResidentPages<T>(ReadOnlyMemory<T> memory) where T : unmanaged
    {
        if (!OperatingSystem.IsLinux() || memory.IsEmpty || !IsFileMapped(memory)) return;
        try
        {
            using var handle = memory.Pin();
            nint start = (nint)handle.Pointer, end = start + (nint)memory.Length * sizeof(T);
            nint first = (start + PageSize - 1) & ~(PageSize - 1), last = end & ~(PageSize - 1);
            if (last > first) Madvise(first, (nuint)(last - first), MadvDontNeed);
        }
        catch (DllNotFoundException) { }
        catch (EntryPointNotFoundException) { }
    }
}
