using System.Runtime.CompilerServices;

namespace Electra.Cpu;

/// <summary>
/// Activation memory that starts on a cache line: a pinned array, used from its first 64-byte boundary. A managed array
/// starts wherever its heap puts it (8-byte aligned: the 16 MiB feed-forward intermediate of a 32 × 128 batch sat 24
/// bytes past a line), and the kernels read and write whole 32- and 64-byte vectors along every row; from an unaligned
/// start every other 256-bit access straddles two cache lines.
/// </summary>
internal static class AlignedMemory
{
    /// <summary>Bytes to which the memory is aligned: one cache line, one 512-bit vector.</summary>
    public const int Alignment = 64;

    /// <summary>
    /// <paramref name="length"/> elements, the first on a 64-byte boundary; pinned, so the boundary holds for the
    /// array's lifetime. Its values are unspecified.
    /// </summary>
    public static unsafe Memory<T> Allocate<T>(int length) where T : unmanaged
    {
        int slack = Alignment / sizeof(T);
        var array = GC.AllocateUninitializedArray<T>(checked(length + slack), pinned: true);
        nint address = (nint)Unsafe.AsPointer(ref array[0]);
        int offset = (int)(((Alignment - (address & (Alignment - 1))) & (Alignment - 1)) / sizeof(T));
        return array.AsMemory(offset, length);
    }
}
