namespace Electra.Vulkan.Memory;

/// <summary>
/// A pass's persistent host-visible buffer for uploads (or readbacks), handed out front to back and rewound once the
/// submission that used it has completed. When a forward needs more than it holds, the old buffer is retired until
/// the rewind and the next one is sized for the whole forward, so a warm pass allocates nothing here.
/// Used by one thread at a time.
/// </summary>
internal sealed class HostRing : IDisposable
{
    private const long Alignment = 16;
    private const long MinimumBytes = 64 * 1024;
    private readonly MemoryArena _arena;
    private readonly List<GpuBuffer> _retired = new();
    private GpuBuffer? _current;
    private long _used;
    private long _cycleBytes;

    public HostRing(MemoryArena arena) => _arena = arena;

    /// <summary>A host-visible range of <paramref name="bytes"/> bytes, valid until <see cref="Rewind"/>.</summary>
    public GpuBuffer Take(long bytes)
    {
        long size = Math.Max(Alignment, (bytes + Alignment - 1) / Alignment * Alignment);
        _cycleBytes += size;
        if (_current == null || _used + size > _current.Size)
        {
            if (_current != null) _retired.Add(_current);
            _current = _arena.Allocate(Math.Max(MinimumBytes, Math.Max(size, _cycleBytes * 2)));
            _used = 0;
        }
        var slice = _current.Slice(_used, size);
        _used += size;
        return slice;
    }

    /// <summary>Makes the whole buffer available again; only once no submitted command still uses it.</summary>
    public void Rewind()
    {
        foreach (var b in _retired) b.Dispose();
        if (_retired.Count > 0 && _current != null && _current.Size < _cycleBytes)
        {
            // Several buffers were needed this cycle: replace them with one that holds the whole cycle.
            _current.Dispose();
            _current = _arena.Allocate(_cycleBytes);
        }
        _retired.Clear();
        _used = 0;
        _cycleBytes = 0;
    }

    public void Dispose()
    {
        foreach (var b in _retired) b.Dispose();
        _retired.Clear();
        _current?.Dispose();
        _current = null;
    }
}
