using Electra.Core.Backend;
using Electra.Core.Tensors;

namespace Electra.Cpu;

/// <summary>
/// Recycles activation tensors of the CPU backend, each together with its array. A forward pass of a given shape asks
/// for the same shapes every time, so after the first pass every request is served by a pooled tensor of the very
/// shape asked for and nothing is allocated, not even the tensor object or its shape. Tensors are pooled per shape
/// (looked up by length, then compared), bounded in total by <see cref="Capacity"/>.
/// Thread-safe: passes on different threads share one pool.
/// </summary>
internal sealed class ActivationPool
{
    readonly Dictionary<int, List<CpuTensor>> _floats = new();
    readonly Dictionary<int, List<CpuTensor>> _ints = new();
    readonly object _lock = new();
    long _pooledElements;
    long _heldBytes;

    /// <summary>Pooled memory is dropped rather than kept once it passes this many elements.</summary>
    public long Capacity { get; init; } = 1L << 30;

    /// <summary>Bytes of every array this pool handed out and has not dropped: rented now or pooled for reuse.</summary>
    public long HeldBytes => Interlocked.Read(ref _heldBytes);

    /// <summary>A float32 (or int32) activation of <paramref name="shape"/> owned by <paramref name="owner"/>; its values are unspecified.</summary>
    public CpuTensor Rent(DeviceDType dtype, ReadOnlySpan<int> shape, CpuForwardPass owner)
    {
        int length = checked((int)TensorShape.ElementCount(shape));
        CpuTensor? recycled = null;
        if (length > 0)
        {
            lock (_lock)
            {
                if ((dtype == DeviceDType.Float32 ? _floats : _ints).TryGetValue(length, out var free) &&
                    TakeMatching(free, shape) is { } match)
                {
                    recycled = match;
                    _pooledElements -= length;
                }
            }
        }
        if (recycled is not null)
        {
            recycled.Owner = owner;
            recycled.HasViews = false;
            recycled.KnownRange = null;
            return recycled;
        }
        // A shape not pooled yet. Pooled tensors of the same length but another shape stay for their own shape: taking
        // their array would make two shapes that alternate in every forward (a [B, S] mask and [B, S, 1] logits)
        // trade one array back and forth, with a new tensor object each time.
        var shapeArray = CpuBackend.ShapeOf(shape);
        Interlocked.Add(ref _heldBytes, (long)length * sizeof(float));   // float32 and int32 alike
        return dtype == DeviceDType.Float32
            ? new CpuTensor(shapeArray, AlignedMemory.Allocate<float>(length), owner)
            : new CpuTensor(shapeArray, AlignedMemory.Allocate<int>(length), owner);
    }

    /// <summary>Takes an activation back; its array (and the object) will serve a later request.</summary>
    public void Return(CpuTensor tensor)
    {
        int length = Length(tensor);
        if (length == 0) return;
        tensor.Owner = null;
        lock (_lock)
        {
            if (_pooledElements + length > Capacity)
            {
                Interlocked.Add(ref _heldBytes, -(long)length * sizeof(float));
                return;
            }
            var byLength = tensor.DType == DeviceDType.Float32 ? _floats : _ints;
            if (!byLength.TryGetValue(length, out var free)) byLength[length] = free = new List<CpuTensor>();
            free.Add(tensor);
            _pooledElements += length;
        }
    }

    /// <summary>Forgets every pooled tensor.</summary>
    public void Clear()
    {
        lock (_lock)
        {
            foreach (var free in _floats.Values.Concat(_ints.Values))
                foreach (var tensor in free) Interlocked.Add(ref _heldBytes, -(long)Length(tensor) * sizeof(float));
            _floats.Clear();
            _ints.Clear();
            _pooledElements = 0;
        }
    }

    static int Length(CpuTensor tensor) => tensor.PooledFloats?.Length ?? tensor.PooledInts?.Length ?? 0;

    /// <summary>Removes and returns the most recently returned tensor of <paramref name="shape"/>, or null.</summary>
    static CpuTensor? TakeMatching(List<CpuTensor> free, ReadOnlySpan<int> shape)
    {
        for (int i = free.Count - 1; i >= 0; i--)
        {
            var tensor = free[i];
            if (!tensor.Shape.AsSpan().SequenceEqual(shape)) continue;
            free[i] = free[^1];
            free.RemoveAt(free.Count - 1);
            return tensor;
        }
        return null;
    }
}
