using Electra.Vulkan.Interop;

namespace Electra.Vulkan.Memory;

/// <summary>
/// Device-local activation buffers (ranges of the device arena) recycled across layers and passes. Sizes are rounded up to powers of two so
/// that a buffer freed by one layer fits the same-shaped tensor of the next. Thread-safe.
/// </summary>
internal sealed class BufferPool : IDisposable
{
    private readonly VulkanContext _context;
    private readonly Dictionary<long, Stack<GpuBuffer>> _free = new();
    private readonly List<GpuBuffer> _all = new();
    private readonly object _lock = new();

    public BufferPool(VulkanContext context) => _context = context;

    public static long SizeClass(long bytes) => Math.Max(256, (long)System.Numerics.BitOperations.RoundUpToPowerOf2((ulong)bytes));

    public GpuBuffer Rent(long bytes)
    {
        long size = SizeClass(bytes);
        // A power-of-two class may exceed what one binding allows while the tensor itself fits: allocate exactly then.
        if (size > _context.MaxBindingBytes) size = (bytes + 15) & ~15L;
        lock (_lock)
        {
            if (_free.TryGetValue(size, out var stack) && stack.Count > 0) return stack.Pop();
        }
        var buffer = _context.DeviceArena.Allocate(size);
        lock (_lock) _all.Add(buffer);
        return buffer;
    }

    public void Return(GpuBuffer buffer)
    {
        lock (_lock)
        {
            if (!_free.TryGetValue(buffer.Size, out var stack)) _free[buffer.Size] = stack = new Stack<GpuBuffer>();
            stack.Push(buffer);
        }
    }

    public long AllocatedBytes
    {
        get { lock (_lock) return _all.Sum(b => b.Size); }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var b in _all) b.Dispose();
            _all.Clear();
            _free.Clear();
        }
    }
}
