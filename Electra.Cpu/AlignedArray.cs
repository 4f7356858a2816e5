using System.Runtime.CompilerServices;

namespace Electra.Cpu;

/// <summary>
/// An activation's memory: a pinned array whose used part starts on a 64-byte boundary. A managed array starts
/// wherever its heap puts it (8-byte aligned: the 16 MiB feed-forward intermediate of a 32 × 128 batch sat 24 bytes
/// past a cache line), and the kernels read and write whole 32- and 64-byte vectors along every row; from an
/// unaligned start every other 256-bit access straddles two cache lines.
/// </summary>
internal sealed class AlignedArray<T> where T : unmanaged
{
    /// <summary>Bytes to which <see cref="Memory"/> is aligned: one cache line, one 512-bit vector.</summary>
    public const int Alignment = 64;

    AlignedArray(Memory<T> memory) => Memory = memory;

    /// <summary>The elements asked for, the first on a 64-byte boundary. Pinned: it never moves.</summary>
    public Memory<T> Memory { get; }

    /// <summary>Room for <paramref name="length"/> elements on a 64-byte boundary.</summary>
    public static unsafe AlignedArray<T> Allocate(int length)
    {
        int slack = Alignment / sizeof(T);
        var array = GC.AllocateUninitializedArray<T>(checked(length + slack), pinned: true);
        nint address = (nint)Unsafe.AsPointer(ref array[0]);
        int offset = (int)(((Alignment - (address & (Alignment - 1))) & (Alignment - 1)) / sizeof(T));
        return new AlignedArray<T>(array.AsMemory(offset, length));
    }
}
