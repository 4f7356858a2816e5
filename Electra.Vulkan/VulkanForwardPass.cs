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
/// One forward computation on a <see cref="VulkanBackend"/>: operations are recorded into one command buffer with
/// barriers between them and run at the first <see cref="Read"/> (again only for what is recorded after).
/// Inputs go up through staging buffers; only what is read comes down. Used by one thread at a time.
/// </summary>
internal sealed partial class VulkanForwardPass : IForwardPass
{
    private readonly VulkanBackend _backend;
    private readonly CommandRecorder _recorder;
    private readonly List<GpuBuffer> _staging = new();
    private readonly List<GpuBuffer> _rented = new();
    // Memory released by this pass is reused only by this pass until it ends: another thread's pass could
    // otherwise overwrite it before this pass's recorded commands have run.
    private readonly Dictionary<long, Stack<GpuBuffer>> _released = new();
    private bool _disposed;

    public VulkanForwardPass(VulkanBackend backend)
    {
        _backend = backend;
        _recorder = new CommandRecorder(backend.Context);
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

    public DeviceTensor UploadInt(ReadOnlySpan<int> data, ReadOnlySpan<int> shape)
    {
        var dims = CheckedShape(shape, data.Length, "UploadInt");
        ThrowIfDisposed();
        var tensor = NewTensor(dims, DeviceDType.Int32, data.ToArray());
        Stage(MemoryMarshal.AsBytes(data), tensor);
        return tensor;
    }

    private void Stage(ReadOnlySpan<byte> bytes, VulkanTensor tensor)
    {
        if (bytes.Length == 0) return;
        var staging = new GpuBuffer(_backend.Context, bytes.Length, BufferKind.Upload);
        _staging.Add(staging);
        bytes.CopyTo(staging.HostSpan<byte>(bytes.Length));
        _recorder.Copy(staging, tensor.Storage.Single, bytes.Length);
    }

    public float[] Read(DeviceTensor tensor)
    {
        var t = Use(tensor, "Read", "tensor");
        if (t.DType != DeviceDType.Float32)
            throw new InputException($"Read: only float32 tensors can be read back, got an int32 tensor {TensorShape.Format(t.Shape)}");
        long bytes = t.ByteSize;
        var result = new float[t.ElementCount];
        if (bytes == 0) return result;
        if (!_backend.ForceStagedReads && t.Storage.Chunks.All(c => c.IsHostVisible))
        {
            // Unified memory: run what is recorded (if anything) and read the buffers in place.
            if (_recorder.HasPendingWork) Flush();
            long offset = 0;
            foreach (var chunk in t.Storage.Chunks)
            {
                int n = (int)Math.Min(chunk.Size / 4, result.Length - offset);
                if (n <= 0) break;
                chunk.HostSpan<float>(n).CopyTo(result.AsSpan((int)offset, n));
                offset += n;
            }
            return result;
        }

        using var readback = new GpuBuffer(_backend.Context, bytes, BufferKind.Readback);
        long copied = 0;
        foreach (var chunk in t.Storage.Chunks)
        {
            long n = Math.Min(chunk.Size, bytes - copied);
            if (n <= 0) break;
            _recorder.Copy(chunk, readback, n, 0, copied);
            copied += n;
        }
        Flush();
        readback.HostSpan<float>(result.Length).CopyTo(result);
        return result;
    }

    public void Release(DeviceTensor tensor)
    {
        var t = Use(tensor, "Release", "tensor");
        if (t.Storage.IsWeight) return;   // weights belong to the backend
        t.Released = true;
        if (!t.Storage.RemoveView()) return;
        var buffer = t.Storage.Single;
        if (!_released.TryGetValue(buffer.Size, out var stack)) _released[buffer.Size] = stack = new Stack<GpuBuffer>();
        stack.Push(buffer);
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

    /// <summary>A new activation of the given shape in one device buffer (reusing released memory when possible).</summary>
    private VulkanTensor NewTensor(ImmutableArray<int> shape, DeviceDType dtype, int[]? hostInts = null)
    {
        ThrowIfDisposed();
        long bytes = TensorShape.ElementCount(shape) * 4;
        var context = _backend.Context;
        if (bytes > context.MaxBindingBytes)
            throw new BackendException(
                $"activation {TensorShape.Format(shape)} needs {bytes} bytes, more than device '{context.Caps.Info.Name}' binds in one storage buffer ({context.MaxBindingBytes}); use a smaller batch or sequence");
        GpuBuffer? buffer = null;
        long size = BufferPool.SizeClass(bytes);
        if (_released.TryGetValue(size, out var stack) && stack.Count > 0) buffer = stack.Pop();
        if (buffer == null)
        {
            buffer = _backend.Pool.Rent(bytes);
            _rented.Add(buffer);
        }
        return new VulkanTensor(shape, dtype, new TensorStorage(this, [buffer], Math.Max(1, shape.Length == 0 ? 1 : shape[0]), isWeight: false), hostInts);
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
        FreeStaging();
    }

    private void FreeStaging()
    {
        foreach (var s in _staging) s.Dispose();
        _staging.Clear();
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _recorder.Dispose();
        FreeStaging();
        foreach (var b in _rented) _backend.Pool.Return(b);
        _rented.Clear();
        _released.Clear();
        _backend.PassEnded(this);
    }
}
