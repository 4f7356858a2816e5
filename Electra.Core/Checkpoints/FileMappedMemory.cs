using System.Runtime.InteropServices;

namespace Electra.Core.Checkpoints;

/// <summary>Tells whether tensor memory is a view of a memory-mapped checkpoint file.</summary>
public static class FileMappedMemory
{
    /// <summary>
    /// True when <paramref name="memory"/> views a checkpoint file mapped read-only by this library: its pages are
    /// clean copies of the file, so a backend that keeps its own copy may let the OS drop them.
    /// </summary>
    public static bool IsFileMapped<T>(ReadOnlyMemory<T> memory) where T : unmanaged =>
        MemoryMarshal.TryGetMemoryManager<T, UnmanagedMemory<T>>(memory, out _);
}
