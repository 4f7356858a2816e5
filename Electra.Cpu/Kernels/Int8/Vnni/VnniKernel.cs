using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace Electra.Cpu.Kernels.Int8.Vnni;

/// <summary>
/// The process-wide generated AVX-512 VNNI code (<see cref="VnniKernelEmitter"/>): one strip function per row count,
/// mapped once and kept for the life of the process. Used only where every check passes: x64 Linux (the code follows
/// the SysV calling convention and the memory comes from mmap; other systems keep the managed kernels), AVX-512 F and
/// BW, CPUID's AVX512_VNNI bit, the memory could be made executable, and the code matches the managed kernel on a
/// small GEMM. <c>ELECTRA_INT8_KERNEL=managed</c> turns it off. <see cref="Status"/> says which check failed.
/// </summary>
internal sealed unsafe class VnniKernel
{
    /// <summary>The environment variable that, set to <c>managed</c>, keeps the int8 GEMM on the managed kernels.</summary>
    public const string EnvironmentVariable = "ELECTRA_INT8_KERNEL";

    static readonly Lazy<VnniKernel?> s_instance = new(Load);
    static string s_status = "not checked yet";

    readonly ExecutableMemory _memory;
    // Strip functions by row count: rows with their own offset and scale, and rows sharing one (per tensor).
    readonly nint[] _entries, _uniformEntries;

    VnniKernel(ExecutableMemory memory, nint[] entries, nint[] uniformEntries)
    {
        _memory = memory;
        _entries = entries;
        _uniformEntries = uniformEntries;
    }

    /// <summary>The generated code, or null where it is not used (<see cref="Status"/> says why).</summary>
    public static VnniKernel? Instance => Replacement ?? s_instance.Value;

    /// <summary>Code that runs instead of <see cref="Instance"/> (for benchmarks that time two variants in one process).</summary>
    internal static VnniKernel? Replacement;

    /// <summary>Whether the int8 GEMM runs on generated <c>vpdpbusd</c> code in this process.</summary>
    public static bool IsAvailable => Instance != null;

    /// <summary>What was decided and why, for the backend's description.</summary>
    public static string Status { get { _ = Instance; return s_status; } }

    /// <summary>Whether the CPU and OS could run the code (before generating it): x64 Linux, AVX-512 F/BW, AVX512_VNNI.</summary>
    public static string? UnsupportedReason()
    {
        if (RuntimeInformation.ProcessArchitecture != Architecture.X64 || !OperatingSystem.IsLinux())
            return "generated code needs x64 Linux";
        if (!Avx512F.IsSupported || !Avx512BW.IsSupported) return "no AVX-512 F/BW";
        // CPUID leaf 7, subleaf 0, ECX bit 11: AVX512_VNNI. (XCR0's zmm state is covered by Avx512F.IsSupported.)
        if ((X86Base.CpuId(7, 0).Ecx & (1 << 11)) == 0) return "the CPU lacks AVX512_VNNI";
        return null;
    }

    /// <summary>Maps freshly generated code; the caller checks <see cref="UnsupportedReason"/> first.</summary>
    internal static VnniKernel Create() => Create(prefetchOutput: true);

    /// <summary><see cref="Create()"/>, optionally without the output prefetches (for benchmarks).</summary>
    internal static VnniKernel Create(bool prefetchOutput)
    {
        // Functions 0..MaxRows-1 for rows 1..MaxRows with their own offsets and scales, then the same for uniform rows.
        int count = VnniKernelEmitter.MaxRows;
        var functions = new byte[2 * count][];
        var offsets = new int[2 * count];
        int length = 0;
        for (int f = 0; f < functions.Length; f++)
        {
            functions[f] = VnniKernelEmitter.Emit(f % count + 1, prefetchOutput, uniformRows: f >= count);
            offsets[f] = length;
            length = (length + functions[f].Length + 63) / 64 * 64; // each function on its own cache lines
        }
        var code = new byte[length];
        for (int f = 0; f < functions.Length; f++) functions[f].CopyTo(code, offsets[f]);
        var memory = ExecutableMemory.Create(code);
        var entries = new nint[count];
        var uniformEntries = new nint[count];
        for (int r = 0; r < count; r++)
        {
            entries[r] = memory.Address + offsets[r];
            uniformEntries[r] = memory.Address + offsets[count + r];
        }
        return new VnniKernel(memory, entries, uniformEntries);
    }

    static VnniKernel? Load()
    {
        if (string.Equals(Environment.GetEnvironmentVariable(EnvironmentVariable), "managed", StringComparison.OrdinalIgnoreCase))
        {
            s_status = $"AVX-512 VNNI code not used: {EnvironmentVariable}=managed";
            return null;
        }
        if (UnsupportedReason() is { } reason)
        {
            s_status = $"AVX-512 VNNI code not used: {reason}";
            return null;
        }
        try
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var kernel = Create();
            if (VnniSelfCheck.Mismatch(kernel) is { } mismatch)
            {
                s_status = $"AVX-512 VNNI code not used: self-check failed ({mismatch})";
                return null;
            }
            s_status = $"generated AVX-512 VNNI code (vpdpbusd), self-check passed, {clock.Elapsed.TotalMilliseconds:F1} ms";
            return kernel;
        }
        catch (Exception e)
        {
            // Whatever went wrong (no libc, mmap refused, an encoder error), the managed kernels remain.
            s_status = $"AVX-512 VNNI code not used: {e.Message}";
            return null;
        }
    }

    /// <summary>
    /// C = rescale(A · B) for <paramref name="args"/>' rows (any number) of one panel: the 8-row function down the
    /// whole multiple of 8, then the function for the rest. Each call runs a strip, so the call itself costs nothing
    /// next to it; SuppressGCTransition because the code neither blocks nor calls back (a GC waits at most one strip).
    /// </summary>
    public void RunStrip(VnniStripArgs args) => RunStrip(args, VnniKernelEmitter.MaxRows);

    /// <summary>The strip in blocks of <paramref name="blockRows"/> rows (the vnni-probe benchmark compares tile heights).</summary>
    internal void RunStrip(VnniStripArgs args, int blockRows)
    {
        int rows = (int)args.Rows, full = rows / blockRows * blockRows;
        var entries = args.UniformRows != 0 ? _uniformEntries : _entries;
        if (full > 0)
        {
            args.Rows = full;
            ((delegate* unmanaged[SuppressGCTransition]<VnniStripArgs*, void>)entries[blockRows - 1])(&args);
        }
        if (rows > full)
        {
            args.A += full * args.Lda;
            args.C = (float*)((byte*)args.C + full * args.LdcBytes);
            args.RowOffset += full;
            args.RowScale += full;
            args.Rows = rows - full;
            ((delegate* unmanaged[SuppressGCTransition]<VnniStripArgs*, void>)entries[rows - full - 1])(&args);
        }
        GC.KeepAlive(_memory); // the code stays mapped until the last call has returned
    }

    /// <summary>The machine code of the function for <paramref name="rows"/> rows (for inspection).</summary>
    internal static byte[] Code(int rows) => VnniKernelEmitter.Emit(rows);
}
