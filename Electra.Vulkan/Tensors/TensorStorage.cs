using Electra.Vulkan.Memory;

namespace Electra.Vulkan.Tensors;

/// <summary>
/// The device memory behind one or more tensor views. Weights may be split along their first axis into chunks that
/// each fit one storage-buffer binding; activations are always one buffer. Shared by <see cref="VulkanTensor"/>
/// views (Reshape); returned to the pool when the last view is released.
/// </summary>
internal sealed class TensorStorage
{
    private int _views;

    /// <summary>Buffers holding consecutive runs of <see cref="RowsPerChunk"/> first-axis rows.</summary>
    public IReadOnlyList<GpuBuffer> Chunks { get; }
    public long RowsPerChunk { get; }

    /// <summary>The pass or backend that created the storage (a tensor is only valid there).</summary>
    public object Owner { get; }
    public bool IsWeight { get; }
    public bool Released { get; private set; }

    /// <summary>What the storage holds (float32 activations are what a readback copies).</summary>
    public Electra.Core.Backend.DeviceDType DType { get; init; } = Electra.Core.Backend.DeviceDType.Float32;

    /// <summary>Whether the elements are float16 (activations under float16 precision) rather than 4-byte values.</summary>
    public bool Half { get; init; }

    /// <summary>For a slice of a larger allocation (the three outputs of a fused linear): the allocation, which is
    /// recycled when its last slice dies.</summary>
    public TensorStorage? Parent { get; init; }

    public TensorStorage(object owner, IReadOnlyList<GpuBuffer> chunks, long rowsPerChunk, bool isWeight)
    {
        Owner = owner;
        Chunks = chunks;
        RowsPerChunk = rowsPerChunk;
        IsWeight = isWeight;
    }

    public GpuBuffer Single => Chunks[0];
    public bool IsChunked => Chunks.Count > 1;

    public void AddView() => _views++;

    /// <summary>Marks the storage dead whatever views remain (the pass released everything at once).</summary>
    public void Kill()
    {
        _views = 0;
        Released = true;
    }

    /// <summary>Drops one view; true when none remain and the memory may be reused.</summary>
    public bool RemoveView()
    {
        _views--;
        if (_views > 0) return false;
        Released = true;
        return true;
    }
}
