namespace Electra.Cpu.Kernels.Int8.Vnni;

/// <summary>
/// The <see cref="Int8Isa.Avx512Vnni"/> microkernel: 8 rows × 32 columns on the generated <c>vpdpbusd</c> code
/// (<see cref="VnniKernel"/>), on the <see cref="Int8Isa.Avx512"/> packing with unsigned activation codes. A strip
/// is one call (<see cref="Run"/>), partial panels are masked stores, so there is no stack tile.
/// </summary>
internal readonly struct Int8KernelVnni : IInt8MicroKernel
{
    public const int MR = VnniKernelEmitter.MaxRows, NR = 32;
    static int IInt8MicroKernel.MR => MR;
    static int IInt8MicroKernel.NR => NR;
    static bool IInt8MicroKernel.RunsWholeStrips => true;

    /// <summary>Any number of rows of one panel in one call (the generated code loops over 8-row blocks itself).</summary>
    public static unsafe void Run(byte* a, nint lda, int rows, sbyte* b, int quads, byte* splitPairs, float* c, nint ldc, int cols,
        in Int8Epilogue e)
    {
        var kernel = VnniKernel.Instance ?? throw new InvalidOperationException("the AVX-512 VNNI code is not available: " + VnniKernel.Status);
        kernel.RunStrip(Arguments(a, lda, rows, b, quads, c, ldc, cols, e));
    }

    internal static unsafe VnniStripArgs Arguments(byte* a, nint lda, int rows, sbyte* b, int quads, float* c, nint ldc, int cols,
        in Int8Epilogue e) => new()
    {
        A = a, Lda = lda, Rows = rows, B = b, Quads = quads, C = c, LdcBytes = ldc * sizeof(float),
        RowOffset = e.RowOffset, RowScale = e.RowScale, ColSum = e.ColSum, ColScale = e.ColScale,
        Mask0 = (ushort)((1 << Math.Min(16, cols)) - 1),
        Mask1 = (ushort)((1 << Math.Clamp(cols - 16, 0, 16)) - 1),
        UniformRows = e.UniformRows ? 1 : 0,
        Bias = e.BiasOrNone,
    };
}
