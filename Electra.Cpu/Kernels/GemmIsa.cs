using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Electra.Cpu.Kernels;

/// <summary>Which microkernel a packed weight is laid out for.</summary>
public enum GemmIsa
{
    /// <summary><see cref="System.Numerics.Vector{T}"/> code for any CPU (ARM64, x64 without FMA).</summary>
    Portable,
    /// <summary>AVX2 + FMA3, 6×16 register tile.</summary>
    Avx2,
    /// <summary>AVX-512F, 8×32 register tile.</summary>
    Avx512,
}

/// <summary>Detects the best GEMM path for this CPU.</summary>
public static class GemmIsaDetection
{
    /// <summary>The fastest path the running CPU accelerates.</summary>
    public static GemmIsa Best { get; } =
        Vector512.IsHardwareAccelerated && Avx512F.IsSupported ? GemmIsa.Avx512
        : Avx2.IsSupported && Fma.IsSupported ? GemmIsa.Avx2
        : GemmIsa.Portable;

    /// <summary>Columns per packed panel (the microkernel's register tile width) for <paramref name="isa"/>.</summary>
    public static int PanelWidth(GemmIsa isa) => isa switch
    {
        GemmIsa.Avx512 => Avx512Kernel.NR,
        GemmIsa.Avx2 => Avx2Kernel.NR,
        _ => PortableKernel.NR,
    };

    /// <summary>Rows of the microkernel's register tile for <paramref name="isa"/>.</summary>
    public static int MicroKernelRows(GemmIsa isa) => isa switch
    {
        GemmIsa.Avx512 => Avx512Kernel.MR,
        GemmIsa.Avx2 => Avx2Kernel.MR,
        _ => PortableKernel.MR,
    };
}
