using Electra.Vulkan.Interop;

namespace Electra.Vulkan.Memory;

/// <summary>
/// Sub-allocates buffers of one kind from a few large <see cref="MemoryBlock"/>s, so that a tensor costs no Vulkan
/// object and no vkAllocateMemory once the blocks exist (drivers cap allocations at a few thousand, and each one is a
/// kernel call). A request larger than the block size gets a block of its own. Thread-safe.
/// </summary>
internal sealed class MemoryArena : IDisposable
{
    private readonly VulkanContext _context;
    private readonly List<MemoryBlock> _blocks = new();
    private readonly object _lock = new();

    public BufferKind Kind { get; }
    public long BlockBytes { get; }
    public long Alignment { get; }

    public MemoryArena(VulkanContext context, BufferKind kind, long blockBytes)
    {
        _context = context;
        Kind = kind;
        // Storage-buffer bindings must start at multiples of minStorageBufferOffsetAlignment (at most 256 bytes).
        Alignment = Math.Max(16, context.Caps.MinStorageBufferOffsetAlignment);
        long cap = context.Caps.MaxMemoryAllocationSize > 0 ? context.Caps.MaxMemoryAllocationSize : long.MaxValue;
        BlockBytes = Math.Min(blockBytes, cap);
    }

    public GpuBuffer Allocate(long bytes)
    {
        long size = Math.Max(Alignment, (bytes + Alignment - 1) / Alignment * Alignment);
        lock (_lock)
        {
            foreach (var block in _blocks)
            {
                if (block.FreeBytes < size) continue;
                long offset = block.TryAllocate(size, Alignment);
                if (offset >= 0) return new GpuBuffer(this, block, offset, size, Kind);
            }
            var fresh = new MemoryBlock(_context, Math.Max(size, BlockBytes), Kind);
            _blocks.Add(fresh);
            return new GpuBuffer(this, fresh, fresh.TryAllocate(size, Alignment), size, Kind);
        }
    }

    public void Free(MemoryBlock block, long offset, long size)
    {
        lock (_lock) block.Free(offset, size);
    }

    /// <summary>Device memory held by the arena's blocks, in bytes.</summary>
    public long ReservedBytes
    {
        get { lock (_lock) return _blocks.Sum(b => b.Size); }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var b in _blocks) b.Dispose();
            _blocks.Clear();
        }
    }
}
