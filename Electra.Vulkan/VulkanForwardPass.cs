using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Electra.Core.Backend;
using Electra.Core.Errors;
using Electra.Core.Tensors;
using Electra.Vulkan.Memory;
using Electra.Vulkan.Recording;
using Electra.Vulkan.Tensors;

namespace Electra.Vulkan;

/// <summary>
/// One forward computation on a <see cref="VulkanBackend"/>: operations are recorded into one command buffer (barriers
/// only where one command needs another's results) and run at the first read, in one submission that also copies
/// every live result for the host where device memory is not host-visible. Inputs go up through a staging ring; a
/// session keeps the pass (<see cref="TryReleaseAll"/>), so a warm forward creates no Vulkan object and allocates no
/// device memory. Used by one thread at a time.
/// </summary>
internal sealed partial class VulkanForwardPass : IForwardPass
{
    private readonly VulkanBackend _backend;
    private readonly CommandRecorder _recorder;
    private readonly HostRing _uploads;
    private readonly HostRing _readbacks;
    private readonly List<GpuBuffer> _rented = new();
    // Memory released by this pass is reused only by this pass until it ends: another thread's pass could
    // otherwise overwrite it before this pass's recorded commands have run.
    private readonly Dictionary<long, Stack<GpuBuffer>> _released = new();
    // Every activation storage of this pass that has a view left (TryReleaseAll kills them all).
    private readonly HashSet<TensorStorage> _live = new();
    // Where a tensor's bytes were copied for the host (discrete GPUs): valid while the tensor lives.
    private readonly Dictionary<TensorStorage, GpuBuffer> _readbackCopies = new();
    // The split-K GEMM's arrival counters, kept for the pass's life (not an activation: never recycled).
    private GpuBuffer? _splitArrivals;
    private bool _splitArrivalsZeroed;   // false again when the commands that would zero them were discarded
    private bool _disposed;

    public VulkanForwardPass(VulkanBackend backend)
    {
        _backend = backend;
        _recorder = new CommandRecorder(backend.Context);
        _uploads = new HostRing(backend.Context.UploadArena);
        _readbacks = new HostRing(backend.Context.ReadbackArena);
    }

    public IBackend Backend => _backend;

    /// <summary>Queue submissions made by this pass so far.</summary>
    internal int Submissions => _recorder.Submissions;

    public DeviceTensor Upload(ReadOnlySpan<float> data, ReadOnlySpan<int> shape)
    {
        var tensor = NewTensor(CheckedShape(shape, data.Length, "Upload"), DeviceDType.Float32);
        Stage(MemoryMarshal.AsBytes(data), tensor);
        return tensor;
    }

    /// <summary>
    /// Uploads values as an activation in the backend's activation type (rounded to float16 on the host under float16
    /// activations), as if a kernel had produced them: how tests feed the _f16act kernels directly.
    /// </summary>
    internal DeviceTensor UploadActivation(ReadOnlySpan<float> data, ReadOnlySpan<int> shape)
    {
        if (!_backend.Context.Float16Activations) return Upload(data, shape);
        var tensor = NewTensor(CheckedShape(shape, data.Length, "UploadActivation"), DeviceDType.Float32, half: true);
        var halves = new Half[data.Length];
        for (int i = 0; i < halves.Length; i++) halves[i] = (Half)data[i];
        Stage(MemoryMarshal.AsBytes(halves.AsSpan()), tensor);
        return tensor;
    }

    public DeviceTensor UploadInt(ReadOnlySpan<int> data, ReadOnlySpan<int> shape)
    {
        var dims = CheckedShape(shape, data.Length, "UploadInt");
        ThrowIfDisposed();
        var tensor = NewTensor(dims, DeviceDType.Int32, data.ToArray());
        Stage(MemoryMarshal.AsBytes(data), tensor);
        return tensor;
    }

    /// <summary>Host bytes go through the pass's staging ring: the tensor's memory may still be read by recorded commands.</summary>
    private void Stage(ReadOnlySpan<byte> bytes, VulkanTensor tensor)
    {
        if (bytes.Length == 0) return;
        var staging = _uploads.Take(bytes.Length);
        bytes.CopyTo(staging.HostSpan<byte>(bytes.Length));
        _recorder.Copy(staging, tensor.Storage.Single, bytes.Length);
    }

    public float[] Read(DeviceTensor tensor)
    {
        var result = new float[CheckedReadable(tensor).ElementCount];
        Read(tensor, result);
        return result;
    }

    public void Read(DeviceTensor tensor, Span<float> destination)
    {
        FlushPending();
        var t = CheckedReadable(tensor);
        if (destination.Length != t.ElementCount)
            throw new InputException($"reading {tensor} needs a destination of {t.ElementCount} values, got {destination.Length}");
        if (destination.Length == 0) return;
        if (!_backend.ForceStagedReads && t.Storage.Chunks.All(c => c.IsHostVisible))
        {
            // Unified memory: run what is recorded (if anything) and read the buffers in place.
            if (_recorder.HasPendingWork) Flush();
            int offset = 0;
            foreach (var chunk in t.Storage.Chunks)
            {
                int n = (int)Math.Min(chunk.Size / (t.Half ? 2 : 4), destination.Length - offset);
                if (n <= 0) break;
                if (t.Half) Widen(chunk.HostSpan<Half>(n), destination.Slice(offset, n));
                else chunk.HostSpan<float>(n).CopyTo(destination.Slice(offset, n));
                offset += n;
            }
            return;
        }

        if (!_readbackCopies.TryGetValue(t.Storage, out var copy))
        {
            // One submission for every result of the forward: the forward has released everything it will not return,
            // so each live activation is an output about to be read. Copy them all now, then run once.
            foreach (var live in _live)
                if (live.DType == DeviceDType.Float32 && !_readbackCopies.ContainsKey(live)) CopyForHost(live);
            if (!_readbackCopies.ContainsKey(t.Storage)) CopyForHost(t.Storage);
            Flush();
            copy = _readbackCopies[t.Storage];
        }
        if (t.Half) Widen(copy.HostSpan<Half>(destination.Length), destination);
        else copy.HostSpan<float>(destination.Length).CopyTo(destination);
    }

    /// <summary>float16 activations are read back as float32 (exactly: every half is a float).</summary>
    private static void Widen(ReadOnlySpan<Half> source, Span<float> destination)
    {
        for (int i = 0; i < source.Length; i++) destination[i] = (float)source[i];
    }

    private void CopyForHost(TensorStorage storage)
    {
        long bytes = storage.Chunks.Sum(c => c.Size);
        var copy = _readbacks.Take(bytes);
        long copied = 0;
        foreach (var chunk in storage.Chunks)
        {
            _recorder.Copy(chunk, copy, chunk.Size, 0, copied);
            copied += chunk.Size;
        }
        _readbackCopies[storage] = copy;
    }

    private VulkanTensor CheckedReadable(DeviceTensor tensor)
    {
        var t = Use(tensor, "Read", "tensor");
        if (t.DType != DeviceDType.Float32)
            throw new InputException($"Read: only float32 tensors can be read back, got an int32 tensor {TensorShape.Format(t.Shape)}");
        return t;
    }

    public void Release(DeviceTensor tensor)
    {
        var t = Use(tensor, "Release", "tensor");
        if (t.Storage.IsWeight) return;   // weights belong to the backend
        t.Released = true;
        if (!t.Storage.RemoveView()) return;
        _live.Remove(t.Storage);
        _readbackCopies.Remove(t.Storage);
        var owner = t.Storage.Parent ?? t.Storage;
        if (owner != t.Storage && !owner.RemoveView()) return;   // a slice: the allocation dies with its last slice
        Recycle(owner.Single);
    }

    private void Recycle(GpuBuffer buffer)
    {
        if (!_released.TryGetValue(buffer.Size, out var stack)) _released[buffer.Size] = stack = new Stack<GpuBuffer>();
        stack.Push(buffer);
    }

    /// <summary>
    /// Kills every activation at once and keeps the pass, its command buffer, staging and readback memory and its
    /// rented buffers for the next forward: what makes a session's warm forward free of Vulkan work on the host.
    /// </summary>
    public bool TryReleaseAll()
    {
        ThrowIfDisposed();
        _pending = null;
        if (_recorder.HasPendingWork) _splitArrivalsZeroed = false;
        _recorder.Discard();   // a forward that failed half-way leaves commands nobody will read
        foreach (var storage in _live) storage.Kill();
        _live.Clear();
        _readbackCopies.Clear();
        _uploads.Rewind();
        _readbacks.Rewind();
        foreach (var stack in _released.Values) stack.Clear();
        foreach (var buffer in _rented) Recycle(buffer);
        return true;
    }

    public DeviceTensor Reshape(DeviceTensor x, ReadOnlySpan<int> shape)
    {
        var t = Use(x, "Reshape", "x");
        var dims = shape.ToArray();
        if (dims.Any(d => d < 0) || TensorShape.ElementCount(dims) != t.ElementCount)
            throw new InputException($"Reshape: cannot view {TensorShape.Format(t.Shape)} ({t.ElementCount} elements) as {TensorShape.Format(dims)}");
        return new VulkanTensor([.. dims], t.DType, t.Storage, t.HostInts);
    }

    private static ImmutableArray<int> CheckedShape(ReadOnlySpan<int> shape, int length, string op)
    {
        var dims = shape.ToArray();
        if (dims.Any(d => d < 0))
            throw new InputException($"{op}: negative dimension in shape {TensorShape.Format(dims)}");
        if (TensorShape.ElementCount(dims) != length)
            throw new InputException($"{op}: shape {TensorShape.Format(dims)} holds {TensorShape.ElementCount(dims)} values, data has {length}");
        return [.. dims];
    }

    /// <summary>
    /// A new activation of the given shape in one device buffer (reusing released memory when possible), of float16 elements
    /// when <c>half</c> (an activation under float16 precision), else 4-byte ones.
    /// </summary>
    private VulkanTensor NewTensor(ImmutableArray<int> shape, DeviceDType dtype, int[]? hostInts = null, GpuBuffer? avoid = null,
        bool half = false)
    {
        ThrowIfDisposed();
        FlushPending();   // a waiting linear may read memory released since: it is recorded before that memory is reused
        long bytes = TensorShape.ElementCount(shape) * (half ? 2 : 4);
        var context = _backend.Context;
        if (bytes > context.MaxBindingBytes)
            throw new BackendException(
                $"activation {TensorShape.Format(shape)} needs {bytes} bytes, more than device '{context.Caps.Info.Name}' binds in one storage buffer ({context.MaxBindingBytes}); use a smaller batch or sequence");
        GpuBuffer? buffer = null;
        long size = BufferPool.SizeClass(bytes);
        if (_released.TryGetValue(size, out var stack) && stack.Count > 0)
        {
            buffer = stack.Pop();
            if (avoid != null && buffer.Handle.Handle == avoid.Handle.Handle && buffer.Offset < avoid.Offset + avoid.Size && avoid.Offset < buffer.Offset + buffer.Size)
            {
                var other = stack.Count > 0 ? stack.Pop() : null;
                stack.Push(buffer);
                buffer = other;
            }
        }
        if (buffer == null)
        {
            buffer = _backend.Pool.Rent(bytes);
            _rented.Add(buffer);
        }
        var storage = new TensorStorage(this, [buffer], Math.Max(1, shape.Length == 0 ? 1 : shape[0]), isWeight: false) { DType = dtype, Half = half };
        _live.Add(storage);
        return new VulkanTensor(shape, dtype, storage, hostInts);
    }

    /// <summary>Checks that a tensor belongs to this pass or its backend and is still alive.</summary>
    private VulkanTensor Use(DeviceTensor tensor, string op, string argument)
    {
        ArgumentNullException.ThrowIfNull(tensor, argument);
        ThrowIfDisposed();
        if (tensor is not VulkanTensor t || (t.Storage.Owner != this && t.Storage.Owner != _backend))
            throw new InputException($"{op}: {argument} {tensor} was not created by this Vulkan pass or backend");
        if (t.Released || t.Storage.Released)
            throw new InputException($"{op}: {argument} {TensorShape.Format(t.Shape)} was released and cannot be used");
        return t;
    }

    private void Flush()
    {
        _recorder.SubmitAndWait();
        _uploads.Rewind();
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _pending = null;
        _recorder.Dispose();
        _uploads.Dispose();
        _readbacks.Dispose();
        foreach (var b in _rented) _backend.Pool.Return(b);
        if (_splitArrivals is not null) _backend.Pool.Return(_splitArrivals);
        _rented.Clear();
        _released.Clear();
        _backend.PassEnded(this);
    }
}
