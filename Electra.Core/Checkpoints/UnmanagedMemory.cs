using System.Buffers;

namespace Electra.Core.Checkpoints;

/// <summary>
/// Exposes a range of a memory-mapped file as <see cref="Memory{T}"/> without copying. Holds a reference to the
/// mapping so that the mapping outlives every tensor handed out from it, whatever the caller disposes first.
/// </summary>
internal sealed unsafe class UnmanagedMemory<T> : MemoryManager<T> where T : unmanaged
{
    private readonly MappedFile _owner;
    private readonly T* _pointer;
    private readonly int _length;

    public UnmanagedMemory(MappedFile owner, T* pointer, int length)
    {
        _owner = owner;
        _pointer = pointer;
        _length = length;
    }

    public override Span<T> GetSpan() => new(_pointer, _length);

    public override MemoryHandle Pin(int elementIndex = 0) => new(_pointer + elementIndex);

    public override void Unpin() { }

    protected override void Dispose(bool disposing) { }
}
