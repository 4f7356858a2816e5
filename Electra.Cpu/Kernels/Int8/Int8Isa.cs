using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Electra.Cpu.Kernels.Int8.Vnni;

namespace Electra.Cpu.Kernels.Int8;

/// <summary>Which int8 microkernel a quantized weight is packed for.</summary>
public enum Int8Isa
{
    /// <summary><see cref="Vector256{T}"/> code for any CPU: the u8·s8 dot product done with shifts and multiplies.</summary>
    Portable,
    /// <summary>AVX2: <c>vpmaddubsw</c> + <c>vpmaddwd</c> on |a| and sign(a)·w, 3 rows × 16 columns.</summary>
    Avx2,
    /// <summary>AVX-VNNI: <c>vpdpbusd ymm</c>, 4 rows × 16 columns.</summary>
    AvxVnni,
    /// <summary>
    /// AVX-512BW, 4 rows × 32 columns: <c>vpmaddubsw zmm</c> + <c>vpmaddwd zmm</c> with the same sign split as
    /// <see cref="Avx2"/>, written with .NET intrinsics (the path for AVX-512 CPUs without VNNI, and the managed
    /// path where the generated <see cref="Avx512Vnni"/> code is turned off or cannot run).
    /// </summary>
    Avx512,
    /// <summary>
    /// AVX-512 VNNI, 8 rows × 32 columns: <c>vpdpbusd zmm</c> on unsigned activation codes, the <see cref="Avx512"/>
    /// packing. .NET 10 has no intrinsic for the EVEX <c>vpdpbusd</c> (only <c>AvxVnni</c>'s VEX form, which CPUs such
    /// as Zen 4 lack), so this kernel's machine code is generated at run time (x64 Linux only; see
    /// <c>Vnni.VnniKernel</c>). Its portable twin runs the same packing on any CPU.
    /// </summary>
    Avx512Vnni,
}

/// <summary>Detects the best int8 path for this CPU and describes each path's packing.</summary>
public static class Int8IsaDetection
{
    /// <summary>
    /// The fastest path the running CPU accelerates. Decided at first use, not when the class is first touched: on an
    /// AVX-512 VNNI CPU deciding generates and checks code (tens of milliseconds under the JIT), which a process that
    /// never runs int8 should not pay.
    /// </summary>
    public static Int8Isa Best => s_best.Value;

    static readonly Lazy<Int8Isa> s_best = new(() =>
        VnniKernel.IsAvailable ? Int8Isa.Avx512Vnni
        : Vector512.IsHardwareAccelerated && Avx512BW.IsSupported ? Int8Isa.Avx512
        : AvxVnni.IsSupported ? Int8Isa.AvxVnni
        : Avx2.IsSupported ? Int8Isa.Avx2
        : Int8Isa.Portable);

    /// <summary>Columns per packed panel for <paramref name="isa"/>.</summary>
    public static int PanelWidth(Int8Isa isa) => isa is Int8Isa.Avx512 or Int8Isa.Avx512Vnni ? 32 : 16;

    /// <summary>
    /// Rows of the register tile for <paramref name="isa"/>: 3 for <see cref="Int8Isa.Avx2"/> (its sign split needs
    /// more registers per row than 16 ymm registers hold for 4 rows), 8 for <see cref="Int8Isa.Avx512Vnni"/> (16 of
    /// the 32 zmm registers accumulate), 4 for the others.
    /// </summary>
    public static int MicroKernelRows(Int8Isa isa) => isa switch
    {
        Int8Isa.Avx2 => Int8Kernel3x16<Avx2Dot>.MR,
        Int8Isa.Avx512Vnni => Int8KernelVnni.MR,
        _ => 4,
    };

    /// <summary>
    /// Whether <paramref name="isa"/> reads activations as signed bytes (code − 128) rather than the unsigned codes
    /// of DynamicQuantizeLinear: the <c>vpmaddubsw</c> paths take |a| and move a's sign onto the weight.
    /// </summary>
    public static bool SignedActivations(Int8Isa isa) => isa is Int8Isa.Avx2 or Int8Isa.Avx512;

    /// <summary>
    /// Whether <paramref name="isa"/>'s kernel reads each signed activation byte's magnitude from the quantized row (in
    /// its second half, <see cref="ActivationQuantizer.Stride"/>) rather than computing it (the AVX2 3-row kernel).
    /// </summary>
    internal static bool ReadsMagnitudes(Int8Isa isa) => isa == Int8Isa.Avx2;

    /// <summary>
    /// <paramref name="isa"/> in words for a backend's description; with the generated code's status (used, or why not)
    /// where the CPU could have run it.
    /// </summary>
    public static string Describe(Int8Isa isa) => isa switch
    {
        Int8Isa.Avx512Vnni when VnniKernel.IsAvailable => $"{isa}: {VnniKernel.Status}",
        Int8Isa.Avx512Vnni => $"{isa} on its portable twin: {VnniKernel.Status}",
        Int8Isa.Avx512 when VnniKernel.UnsupportedReason() == null => $"{isa} ({VnniKernel.Status})",
        _ => isa.ToString(),
    };

    /// <summary>Whether the running CPU can execute <paramref name="isa"/>'s kernel natively.</summary>
    public static bool IsSupported(Int8Isa isa) => isa switch
    {
        Int8Isa.Avx512 => Avx512BW.IsSupported,
        Int8Isa.Avx512Vnni => VnniKernel.IsAvailable,
        Int8Isa.AvxVnni => AvxVnni.IsSupported,
        Int8Isa.Avx2 => Avx2.IsSupported,
        _ => true,
    };
}
