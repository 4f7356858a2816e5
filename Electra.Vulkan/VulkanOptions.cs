namespace Electra.Vulkan;

/// <summary>How <see cref="VulkanBackend.Create"/> picks and configures a device.</summary>
public sealed record VulkanOptions
{
    /// <summary>Index into <see cref="VulkanDevices.List"/>; null picks the best device (discrete &gt; integrated &gt; virtual &gt; CPU).</summary>
    public int? DeviceIndex { get; init; }

    /// <summary>Case-insensitive substring of the device name; the best matching device is used.</summary>
    public string? DeviceNameContains { get; init; }

    /// <summary>
    /// Enables the Khronos validation layer (when installed) and collects every warning and error it reports in
    /// <see cref="VulkanBackend.ValidationMessages"/>. Slower; meant for tests and debugging.
    /// </summary>
    public bool EnableValidation { get; init; }

    /// <summary>
    /// float16 precision (<c>--precision f16</c>): linear-layer weights stored as float16 where the device supports 16-bit
    /// storage buffers, and activations too where it also has shaderFloat16 (see <see cref="Float16Activations"/>); sums
    /// stay float32. Ignored on a device with neither. Halves weight memory and activation traffic at the cost of the
    /// tolerance stated in the README (1.5e-2 abs + 1.5e-2 rel against float32; measured up to 6e-3).
    /// </summary>
    public bool UseFloat16Weights { get; init; }

    /// <summary>
    /// Under <see cref="UseFloat16Weights"/>, also stores activations as float16 where the device allows it (the default);
    /// false keeps them float32 with float16 weights. See <see cref="VulkanBackend.ActivationPrecision"/>.
    /// </summary>
    public bool Float16Activations { get; init; } = true;

    /// <summary>
    /// Caps the bytes bound to one storage-buffer descriptor below the device's maxStorageBufferRange (weights
    /// larger than this are split into several buffers). Null uses the device limit. Mainly for testing the
    /// splitting on devices with large limits.
    /// </summary>
    public long? MaxStorageBufferBytes { get; init; }

    /// <summary>
    /// Where the VkPipelineCache is kept between runs (one file per device UUID and driver version). Null: the user's
    /// cache directory (<c>$XDG_CACHE_HOME/electra/vulkan</c>, <c>~/.cache/electra/vulkan</c>, or the local application
    /// data folder on Windows); empty: no cache on disk.
    /// </summary>
    public string? PipelineCacheDirectory { get; init; }

    /// <summary>
    /// Writes a GPU timestamp before and after every dispatch and sums the time per shader
    /// (<see cref="VulkanBackend.Profile"/>), where the device's compute queue supports timestamps. Costs a little.
    /// </summary>
    public bool Profile { get; init; }

    /// <summary>
    /// The best GEMM path allowed under float16 precision (null: the best the device offers, see
    /// <see cref="VulkanBackend.GemmPath"/>). <see cref="Vulkan.GemmPath.CooperativeMatrixNV"/> runs the NV variant on a device
    /// that also offers KHR; <see cref="Vulkan.GemmPath.Float16"/> keeps matrix cores out. A path the device lacks falls to the
    /// next one below it.
    /// </summary>
    public GemmPath? MaxGemmPath { get; init; }

    /// <summary>
    /// Packed f16vec2 arithmetic in the GPU-shaped float16 GEMMs (float32 accumulation of short half partial sums, see
    /// <see cref="VulkanBackend.HalfArithmetic"/>): null lets the device decide (AMD, Intel and other GPUs without a
    /// cooperative-matrix path), true uses it wherever activations are float16, false never. Its tolerance is the float16
    /// one stated in the README.
    /// </summary>
    public bool? HalfArithmetic { get; init; }

    /// <summary>
    /// The kernel family: null lets the device decide (CPU-shaped kernels on CPU devices such as lavapipe, GPU-shaped ones
    /// elsewhere); false forces the GPU-shaped kernels (e.g. to run the packed float16 GEMMs on lavapipe), true the CPU-shaped ones.
    /// </summary>
    public bool? CpuShapedKernels { get; init; }

    /// <summary>Allocates descriptor sets even where VK_KHR_push_descriptor is available (tests the fallback path).</summary>
    internal bool ForceDescriptorSets { get; init; }

    public static VulkanOptions Default { get; } = new();

    /// <summary>
    /// Options for a command-line <c>--device</c> value: a number is an index into <see cref="VulkanDevices.List"/>,
    /// anything else a case-insensitive part of the device name; null or empty picks the best device.
    /// </summary>
    public static VulkanOptions ForDevice(string? device) =>
        string.IsNullOrWhiteSpace(device) ? Default
        : int.TryParse(device, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int index)
            ? new VulkanOptions { DeviceIndex = index }
            : new VulkanOptions { DeviceNameContains = device };
}
