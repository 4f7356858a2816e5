using Silk.NET.Vulkan;
using VkBuffer = Silk.NET.Vulkan.Buffer;

namespace Electra.Vulkan.Memory;

/// <summary>Where a buffer lives: on the device, or host-visible for uploads and readbacks.</summary>
internal enum BufferKind { DeviceLocal, Upload, Readback }

/// <summary>
/// A range of a <see cref="MemoryBlock"/>: what a descriptor binds and a copy addresses (handle, offset, size).
/// Disposing an allocated range returns it to its arena; a <see cref="Slice"/> owns nothing.
/// </summary>
internal sealed unsafe class GpuBuffer : IDisposable
{
    private readonly MemoryArena? _arena;
    private readonly MemoryBlock _block;
    private bool _disposed;

    public VkBuffer Handle => _block.Handle;
    public long Offset { get; }
    public long Size { get; }
    public BufferKind Kind { get; }

    public GpuBuffer(MemoryArena? arena, MemoryBlock block, long offset, long size, BufferKind kind)
    {
        _arena = arena;
        _block = block;
        Offset = offset;
        Size = size;
        Kind = kind;
    }

    /// <summary>Host address of the range, or null for memory the host cannot see.</summary>
    public void* Mapped => _block.Mapped == null ? null : _block.Mapped + Offset;

    public bool IsHostVisible => _block.Mapped != null;

    /// <summary>A non-owning view of <paramref name="size"/> bytes at <paramref name="offset"/> within this range.</summary>
    public GpuBuffer Slice(long offset, long size) => new(null, _block, Offset + offset, size, Kind);

    /// <summary>Whether the two ranges share bytes of the same VkBuffer.</summary>
    public bool Overlaps(GpuBuffer other) =>
        Handle.Handle == other.Handle.Handle && Offset < other.Offset + other.Size && other.Offset < Offset + Size;

    public Span<T> HostSpan<T>(int count) where T : unmanaged
    {
        if (Mapped == null) throw new InvalidOperationException("buffer is not host-visible");
        return new Span<T>(Mapped, count);
    }

    public void Dispose()
    {
        if (_disposed || _arena == null) return;
        _disposed = true;
        _arena.Free(_block, Offset, Size);
    }
}
