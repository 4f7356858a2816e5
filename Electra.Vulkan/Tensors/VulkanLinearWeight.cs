using Electra.Core.Backend;
using Electra.Vulkan.Memory;

namespace Electra.Vulkan.Tensors;

/// <summary>
/// A linear layer on the device: weight [Out, In] as uploaded (PyTorch layout, float32 or float16), split by
/// output rows into chunks that each fit one binding; bias [Out] in float32.
/// </summary>
internal sealed class VulkanLinearWeight : LinearWeight
{
    public TensorStorage Weight { get; }
    public GpuBuffer? Bias { get; }
    public bool Float16 { get; }

    public VulkanLinearWeight(int inFeatures, int outFeatures, TensorStorage weight, GpuBuffer? bias, bool float16)
        : base(inFeatures, outFeatures, bias != null)
    {
        Weight = weight;
        Bias = bias;
        Float16 = float16;
    }
}
