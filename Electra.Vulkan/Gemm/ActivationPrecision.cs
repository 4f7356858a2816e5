namespace Electra.Vulkan;

/// <summary>How the Vulkan backend stores activations (the tensors between kernels), see <see cref="VulkanBackend.ActivationPrecision"/>.</summary>
public enum ActivationPrecision
{
    /// <summary>float32: the default precision, and every device without shaderFloat16 and 16-bit storage buffers.</summary>
    Float32,
    /// <summary>
    /// float16 storage (<c>--precision f16</c> on a device with shaderFloat16 and 16-bit storage buffers): half the memory
    /// traffic between kernels. Sums stay float32 (GEMM dot products, LayerNorm statistics, softmax, pooling), and results
    /// are read back as float32.
    /// </summary>
    Float16,
}
