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

    /// <summary>Whether the elements are stored as float16 (see <see cref="TensorStorage.Half"/>); reads convert them to float32.</summary>
    public bool Half => Storage.Half;

    public long ByteSize => ElementCount * (Half ? 2 : 4);
}
