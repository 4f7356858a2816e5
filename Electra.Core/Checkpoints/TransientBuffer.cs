using System.Buffers;
using System.Runtime.InteropServices;

namespace Electra.Core.Checkpoints;

/// <summary>
/// Native memory for one tensor that lives only while a backend packs or uploads it: freed at once on Dispose
/// (returned to the C allocator, not left as garbage for the GC), so loading a model holds the weights the backend
/// keeps plus one tensor in flight, never a second copy of the checkpoint.
/// </summary>
/// <remarks>
/// After Dispose, <see cref="GetSpan"/> throws <see cref="ObjectDisposedException"/>: a consumer that kept the
/// tensor instead of copying it fails at its next use rather than reading freed memory.
/// </remarks>
internal sealed unsafe class TransientBuffer<T> : MemoryManager<T> where T : unmanaged
{
    private T* _pointer;
    private readonly int _length;

    /// <param name="length">Elements; the caller has bounded it by what the file backs and by <see cref="Array.MaxLength"/>.</param>
    public TransientBuffer(int length)
    {
        _length = length;
        // Allocating zero bytes may return null; a one-element block keeps every pointer valid.
        _pointer = (T*)NativeMemory.Alloc((nuint)Math.Max(length, 1), (nuint)sizeof(T));
    }

    public int Length => _length;

    public override Span<T> GetSpan() =>
        _pointer is null ? throw new ObjectDisposedException(nameof(TransientBuffer<T>), "a transient tensor was used after its read ended; copy it instead") : new(_pointer, _length);

    public override MemoryHandle Pin(int elementIndex = 0) => new(_pointer + elementIndex);

    public override void Unpin() { }

    protected override void Dispose(bool disposing)
    {
        var p = _pointer;
        _pointer = null;
        if (p is not null) NativeMemory.Free(p);
    }
}
