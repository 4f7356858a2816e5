namespace Electra.Cpu;

/// <summary>
/// Recycles activation arrays by exact length. A forward pass of a given shape asks for the same lengths every
/// time, so after the first pass every request is served from the pool and nothing is allocated.
/// Thread-safe: passes on different threads share one pool.
/// </summary>
internal sealed class BufferPool<T>
{
    readonly Dictionary<int, Stack<T[]>> _free = new();
    readonly object _lock = new();
    long _pooledElements;
    long _heldElements;

    /// <summary>Pooled memory is dropped rather than kept once it passes this many elements.</summary>
    public long Capacity { get; init; } = 1L << 30;

    /// <summary>Elements of every array this pool handed out and has not dropped: rented now or pooled for reuse.</summary>
    public long HeldElements => Interlocked.Read(ref _heldElements);

    public T[] Rent(int length)
    {
        if (length == 0) return [];
        lock (_lock)
        {
            if (_free.TryGetValue(length, out var stack) && stack.Count > 0)
            {
                _pooledElements -= length;
                return stack.Pop();
            }
        }
        Interlocked.Add(ref _heldElements, length);
        return GC.AllocateUninitializedArray<T>(length);
    }

    public void Return(T[] array)
    {
        if (array.Length == 0) return;
        lock (_lock)
        {
            if (_pooledElements + array.Length > Capacity)
            {
                Interlocked.Add(ref _heldElements, -array.Length);
                return;
            }
            if (!_free.TryGetValue(array.Length, out var stack)) _free[array.Length] = stack = new Stack<T[]>();
            stack.Push(array);
            _pooledElements += array.Length;
        }
    }

    /// <summary>Forgets every pooled array.</summary>
    public void Clear()
    {
        lock (_lock)
        {
            foreach (var stack in _free.Values)
                foreach (var array in stack) Interlocked.Add(ref _heldElements, -array.Length);
            _free.Clear();
            _pooledElements = 0;
        }
    }
}
