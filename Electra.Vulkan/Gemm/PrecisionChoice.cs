namespace Electra.Vulkan.Gemm;

/// <summary>What float16 precision becomes on one device: weights and activations in half or not, and why.</summary>
internal sealed record PrecisionChoice(bool Float16Weights, ActivationPrecision Activations, string Why)
{
    public bool Float16Activations => Activations == ActivationPrecision.Float16;

    /// <summary>
    /// The fallbacks of <c>--precision f16</c>: half weights need 16-bit storage buffers; half activations need those and
    /// shaderFloat16 too (the *_f16act shaders declare float16 types). A device with only 16-bit storage keeps float16
    /// weights with float32 activations; a device with neither runs float32 throughout. A pure function, so tests force
    /// each feature off.
    /// </summary>
    /// <param name="float16">--precision f16 (<see cref="VulkanOptions.UseFloat16Weights"/>).</param>
    /// <param name="halfActivations"><see cref="VulkanOptions.Float16Activations"/>: false keeps activations float32.</param>
    /// <param name="storage16Bit">storageBuffer16BitAccess.</param>
    /// <param name="shaderFloat16">shaderFloat16.</param>
    public static PrecisionChoice Choose(bool float16, bool halfActivations, bool storage16Bit, bool shaderFloat16)
    {
        if (!float16)
            return new(false, ActivationPrecision.Float32, "float32 precision");
        if (!storage16Bit)
            return new(false, ActivationPrecision.Float32, "no 16-bit storage buffers: float32 weights and activations");
        if (!shaderFloat16)
            return new(true, ActivationPrecision.Float32, "no shaderFloat16: float16 weights, float32 activations");
        if (!halfActivations)
            return new(true, ActivationPrecision.Float32, "float16 activations turned off by the options: float16 weights, float32 activations");
        return new(true, ActivationPrecision.Float16, "float16 weights and activations, float32 sums");
    }
}
