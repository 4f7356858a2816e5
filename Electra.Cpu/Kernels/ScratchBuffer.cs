using System.Runtime.CompilerServices;

namespace Electra.Cpu.Kernels;

/// <summary>
/// A per-thread, pinned, 64-byte-aligned float buffer that only grows, so kernels get scratch memory without
/// allocating on every call once warmed up.
/// </summary>
internal sealed unsafe class ScratchBuffer
{
    float[] _array = [];
    int _offset;

    /// <summary>A pointer to at least <paramref name="length"/> floats, valid until the next call on this buffer.</summary>
    public float* Get(long length)
    {
        if (_array.Length - _offset < length)
        {
            _array = GC.AllocateUninitializedArray<float>(checked((int)length + 16), pinned: true);
            _offset = AlignedMemory.FirstAlignedIndex(_array);
        }
        return (float*)Unsafe.AsPointer(ref _array[_offset]);
    }
}
