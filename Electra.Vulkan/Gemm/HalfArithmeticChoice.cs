namespace Electra.Vulkan.Gemm;

/// <summary>
/// Whether the GPU-shaped float16 GEMMs multiply in packed f16vec2 arithmetic (the *_f16math_f16act kernels, see
/// shaders/matmul_body.glsl) or widen to float32 first, and why.
/// </summary>
internal sealed record HalfArithmeticChoice(bool Enabled, string Why)
{
    /// <summary>
    /// Packed half arithmetic serves where both operands are already half (float16 activations, hence shaderFloat16) and
    /// the device doubles its rate on them: GPUs of AMD (packed math since Vega), Intel (Gen9 and later) and others, but
    /// not where a cooperative-matrix path multiplies on matrix cores, not on NVIDIA without one (Pascal and older run
    /// float16 at a fraction of the float32 rate, except GP100), and not on CPU devices (lavapipe emulates half through
    /// float32 with a rounding per operation: slower, and its CPU-shaped kernels keep float32 arithmetic anyway). A pure
    /// function, so tests force every input.
    /// </summary>
    /// <param name="caps">The device.</param>
    /// <param name="float16Activations">Activations are stored in half (<see cref="PrecisionChoice"/>).</param>
    /// <param name="path">The GEMM path (<see cref="GemmPathChoice"/>).</param>
    /// <param name="forced"><see cref="VulkanOptions.HalfArithmetic"/>: true wherever activations are half, false never, null the device's rule.</param>
    public static HalfArithmeticChoice Choose(GemmCapabilities caps, bool float16Activations, GemmPath path, bool? forced = null)
    {
        if (!float16Activations || !caps.ShaderFloat16)
            return new(false, "float32 activations: the float16 GEMMs widen to float32");
        if (forced == false)
            return new(false, "turned off by the options: float32 arithmetic on float16 operands");
        if (forced == true)
            return new(true, "packed f16vec2 arithmetic, float32 accumulation (forced by the options)");
        if (path is GemmPath.CooperativeMatrixKhr or GemmPath.CooperativeMatrixNV)
            return new(false, "the cooperative-matrix GEMM multiplies on matrix cores");
        if (caps.Type == VulkanDeviceType.Cpu)
            return new(false, "a CPU device emulates float16 arithmetic through float32: float32 arithmetic on float16 operands");
        if (caps.VendorId == PciVendor.Nvidia)
            return new(false, "NVIDIA GPUs without cooperative matrices (Pascal and older) run float16 arithmetic slower than float32");
        return new(true, "packed f16vec2 arithmetic, float32 accumulation");
    }
}
