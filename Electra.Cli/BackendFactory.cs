using Electra.Core.Backend;
using Electra.Cpu;

namespace Electra.Cli;

/// <summary>Creates the backend a command asked for with --backend (and --threads / --device / --quantize).</summary>
public static class BackendFactory
{
    /// <param name="name">cpu or vulkan (default cpu).</param>
    /// <param name="threads">CPU threads.</param>
    /// <param name="device">--device: a Vulkan device index or part of its name.</param>
    /// <param name="quantize">--quantize: int8 (CPU only) or null.</param>
    /// <param name="precision">--precision: f32 (default) or f16 (Vulkan only: float16 linear weights and activations, float32 sums).</param>
    /// <param name="profile">Vulkan: GPU timestamps around every dispatch.</param>
    public static IBackend Create(string? name, int? threads = null, string? device = null, string? quantize = null,
        string? precision = null, bool profile = false)
    {
        bool half = precision switch
        {
            null or "f32" => false,
            "f16" => true,
            var other => throw new UsageException($"unknown precision '{other}': expected f32 or f16"),
        };
        return (name ?? "cpu") switch
        {
            "cpu" when half => throw new UsageException("--precision f16 needs --backend vulkan (the CPU backend computes in float32)"),
            "cpu" => new CpuBackend(new CpuBackendOptions(threads, Quantization: quantize switch
            {
                null => null,
                "int8" => Int8Quantization.Default,
                var other => throw new UsageException($"--quantize must be int8, got '{other}'"),
            })),
            "vulkan" when quantize is not null => throw new UsageException($"--quantize {quantize} runs on the CPU backend only"),
            "vulkan" => Vulkan.VulkanBackend.Create(VulkanOptionsFor(device) with
            {
                UseFloat16Weights = half, Profile = profile, MaxGemmPath = GemmLimit(), HalfArithmetic = HalfMath(), CpuShapedKernels = KernelFamily(),
            }),
            var other => throw new UsageException($"unknown backend '{other}': expected cpu or vulkan"),
        };
    }

    /// <summary>The environment variable that caps the float16 GEMM path (tools/gpu-bench.sh runs each variant with it).</summary>
    public const string GemmVariable = "ELECTRA_VULKAN_GEMM";

    /// <summary>
    /// ELECTRA_VULKAN_GEMM: the best GEMM path --precision f16 may take: khr (any, the default), nv (the NV cooperative
    /// matrix even where KHR is offered), f16 (no matrix cores), f32.
    /// </summary>
    private static Vulkan.GemmPath? GemmLimit() => Environment.GetEnvironmentVariable(GemmVariable) switch
    {
        null or "" or "khr" => null,
        "nv" => Vulkan.GemmPath.CooperativeMatrixNV,
        "f16" => Vulkan.GemmPath.Float16,
        "f32" => Vulkan.GemmPath.Float32,
        var other => throw new UsageException($"{GemmVariable}={other}: expected khr, nv, f16 or f32"),
    };

    /// <summary>The environment variable that turns the packed float16 GEMM arithmetic on or off (tools/gpu-bench.sh).</summary>
    public const string HalfMathVariable = "ELECTRA_VULKAN_HALF_MATH";

    /// <summary>ELECTRA_VULKAN_HALF_MATH: on (wherever activations are float16), off, or unset/auto (the device's rule).</summary>
    private static bool? HalfMath() => Environment.GetEnvironmentVariable(HalfMathVariable) switch
    {
        null or "" or "auto" => null,
        "on" => true,
        "off" => false,
        var other => throw new UsageException($"{HalfMathVariable}={other}: expected on, off or auto"),
    };

    /// <summary>The environment variable that picks the Vulkan kernel family (e.g. the GPU-shaped kernels on lavapipe).</summary>
    public const string KernelsVariable = "ELECTRA_VULKAN_KERNELS";

    /// <summary>ELECTRA_VULKAN_KERNELS: gpu (the GPU-shaped kernels), cpu (the CPU-shaped ones), or unset/auto (by device type).</summary>
    private static bool? KernelFamily() => Environment.GetEnvironmentVariable(KernelsVariable) switch
    {
        null or "" or "auto" => null,
        "gpu" => false,
        "cpu" => true,
        var other => throw new UsageException($"{KernelsVariable}={other}: expected gpu, cpu or auto"),
    };

    /// <summary>--device N picks a device by index; any other text picks the first device whose name contains it.</summary>
    private static Vulkan.VulkanOptions VulkanOptionsFor(string? device) =>
        device is null ? Vulkan.VulkanOptions.Default
        : int.TryParse(device, out var index) ? new Vulkan.VulkanOptions { DeviceIndex = index }
        : new Vulkan.VulkanOptions { DeviceNameContains = device };
}
