namespace Electra.Vulkan;

/// <summary>How the Vulkan backend multiplies linear layers (<see cref="VulkanBackend.GemmPath"/>), best last.</summary>
public enum GemmPath
{
    /// <summary>float32 weights and arithmetic (the default precision, and every device).</summary>
    Float32,
    /// <summary>float16 weights (16-bit storage), float32 arithmetic: <c>--precision f16</c> without matrix cores.</summary>
    Float16,
    /// <summary>float16 operands on matrix (tensor) cores through VK_NV_cooperative_matrix (NVIDIA, Turing and later).</summary>
    CooperativeMatrixNV,
    /// <summary>float16 operands on matrix cores through VK_KHR_cooperative_matrix (NVIDIA, AMD RDNA3, Intel Xe2).</summary>
    CooperativeMatrixKhr,
}
