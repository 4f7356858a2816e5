using System.CommandLine;
using Electra.Cpu.Kernels.Int8;
using Electra.Vulkan;

namespace Electra.Cli.Commands;

/// <summary>
/// <c>electra devices</c>: lists every Vulkan device with the index <c>--device</c> takes, its kind, vendor, driver,
/// memory, subgroup size and the features the Vulkan backend uses, and marks the one chosen by default; first, the
/// CPU's int8 kernel.
/// </summary>
public static class DevicesCommand
{
    public static Command Create(CliIO io)
    {
        var command = new Command("devices", "list the Vulkan devices (vendor, type, driver, memory, subgroup size, features) and mark the one --backend vulkan picks by default");
        command.SetAction(_ => Run(io.Out, io.Err));
        return command;
    }

    private static int Run(TextWriter stdout, TextWriter stderr)
    {
        // The CPU first, so it is described even where there is no Vulkan: its int8 kernel (generated AVX-512 VNNI
        // code, or why not) is what --quantize int8 runs.
        stdout.WriteLine($"cpu: int8 kernel {Int8IsaDetection.Describe(Int8IsaDetection.Best)}");
        IReadOnlyList<VulkanDeviceInfo> devices;
        try
        {
            devices = VulkanDevices.List();
        }
        catch (VulkanUnavailableException e)
        {
            stderr.WriteLine($"electra devices: no Vulkan: {e.Message}");
            return 1;
        }
        if (devices.Count == 0)
        {
            stderr.WriteLine("electra devices: the Vulkan driver reports no device with a compute queue");
            return 1;
        }

        int preferred = VulkanDevices.PreferredIndex(devices);
        foreach (var d in devices)
        {
            stdout.WriteLine($"[{d.Index}] {d.Name}{(d.Index == preferred ? "  (default)" : "")}");
            stdout.WriteLine($"    type       {d.Type.ToString().ToLowerInvariant()}");
            stdout.WriteLine($"    vendor     {d.Vendor}");
            stdout.WriteLine($"    driver     {Join(d.DriverName, d.DriverInfo)}");
            stdout.WriteLine($"    vulkan     {d.ApiVersion}");
            stdout.WriteLine($"    memory     {Bytes(d.DeviceLocalMemoryBytes)} device-local");
            stdout.WriteLine($"    subgroup   {d.SubgroupSize}");
            stdout.WriteLine($"    features   16-bit storage {YesNo(d.Supports16BitStorage)}, float16 arithmetic {YesNo(d.SupportsFloat16Arithmetic)}, " +
                             $"cooperative matrix {(d.CooperativeMatrixShapes.IsEmpty ? "no" : "yes")}");
            foreach (var shape in d.CooperativeMatrixShapes)
                stdout.WriteLine($"    coopmat    {shape}");
            stdout.WriteLine($"    f16 gemm   {GemmName(d.Float16GemmPath)}{(d.Float16GemmNote.Length > 0 ? $" ({d.Float16GemmNote})" : "")}");
            stdout.WriteLine($"    f16 math   {(d.Float16PackedArithmetic ? "packed f16vec2" : "float32")} ({d.Float16ArithmeticNote})");
            stdout.WriteLine($"    f16 acts   {(d.Float16Activations == Vulkan.ActivationPrecision.Float16 ? "float16" : "float32")} ({d.Float16PrecisionNote})");
            stdout.WriteLine($"    limits     storage buffer {Bytes(d.MaxStorageBufferRange)}, shared memory {Bytes(d.MaxComputeSharedMemoryBytes)}, " +
                             $"workgroup {d.MaxComputeWorkGroupInvocations} invocations");
        }
        stdout.WriteLine($"use: electra forward --backend vulkan --device N (index or part of the name); default is [{preferred}]");
        return 0;
    }

    private static string Join(string a, string b) => a.Length == 0 ? b : b.Length == 0 ? a : $"{a}, {b}";

    private static string YesNo(bool b) => b ? "yes" : "no";

    private static string GemmName(Vulkan.GemmPath path) => path switch
    {
        Vulkan.GemmPath.CooperativeMatrixKhr => "cooperative matrix (VK_KHR_cooperative_matrix)",
        Vulkan.GemmPath.CooperativeMatrixNV => "cooperative matrix (VK_NV_cooperative_matrix)",
        Vulkan.GemmPath.Float16 => "float16 weights, register-tiled GEMM (its arithmetic: f16 math)",
        _ => "float32 (no 16-bit storage)",
    };

    private static string Bytes(long n) => n switch
    {
        >= 1L << 30 => $"{n / (double)(1L << 30):0.#} GiB",
        >= 1L << 20 => $"{n / (double)(1L << 20):0.#} MiB",
        >= 1L << 10 => $"{n / (double)(1L << 10):0.#} KiB",
        _ => $"{n} B",
    };
}
