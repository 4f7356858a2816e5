using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Electra.Cpu;

/// <summary>
/// Memory that starts on a cache line: a pinned array, used from its first 64-byte boundary. A managed array starts
/// wherever its heap puts it (8-byte aligned: the 16 MiB feed-forward intermediate of a 32 × 128 batch sat 24 bytes
/// past a line), and the kernels read and write whole 32- and 64-byte vectors along every row; from an unaligned start
/// every other 256-bit access straddles two cache lines. Activations, scratch buffers, activation codes and packed
/// weights all start this way.
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
        var array = GC.AllocateUninitializedArray<T>(checked(length + Alignment / sizeof(T)), pinned: true);
        return array.AsMemory(FirstAlignedIndex(array), length);
    }

    /// <summary>
    /// The index of <paramref name="array"/>'s first element on a 64-byte boundary (0 to 64 / sizeof(T) − 1). Valid for
    /// as long as the array does not move: it must be pinned, with that many elements of slack past what is used.
    /// </summary>
    public static unsafe int FirstAlignedIndex<T>(T[] array) where T : unmanaged
    {
        nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
        return (int)(((Alignment - (address & (Alignment - 1))) & (Alignment - 1)) / sizeof(T));
    }
}
