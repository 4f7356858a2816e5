using System.Collections.Immutable;
using Electra.Core.Backend;

namespace Electra.Vulkan.Tensors;

/// <summary>A tensor in Vulkan device memory: a shaped view of a <see cref="TensorStorage"/>.</summary>
internal sealed class VulkanTensor : DeviceTensor
{
    public TensorStorage Storage { get; }

    /// <summary>Host copy of int32 data uploaded by the pass, kept to validate ids and positions before use.</summary>
    public int[]? HostInts { get; }

    public bool Released { get; set; }

    public VulkanTensor(ImmutableArray<int> shape, DeviceDType dtype, TensorStorage storage, int[]? hostInts = null)
        : base(shape, dtype)
    {
        Storage = storage;
        HostInts = hostInts;
        storage.AddView();
    }

    public long ByteSize => ElementCount * 4;
}
