using System.Runtime.InteropServices;

namespace Electra.Cpu.Kernels.Int8.Vnni;

/// <summary>
/// The one argument of a generated strip function (passed by pointer in rdi, so the ABI surface is a single
/// register): rows × one 32-column panel, C = rescale(A · B). The field offsets are the displacements the generated
/// code reads (<see cref="VnniKernelEmitter"/>); row arrays and C start at the strip's first row, column arrays and C
/// at the panel's first column.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 104)]
internal unsafe struct VnniStripArgs
{
    /// <summary>Unsigned activation codes, row 0 of the strip; row r at A + r · Lda.</summary>
    [FieldOffset(0)] public byte* A;
    [FieldOffset(8)] public nint Lda;
    /// <summary>Rows of the strip: a multiple of the function's row count.</summary>
    [FieldOffset(16)] public nint Rows;
    /// <summary>The packed panel: [quads][32 columns][4 bytes].</summary>
    [FieldOffset(24)] public sbyte* B;
    [FieldOffset(32)] public nint Quads;
    [FieldOffset(40)] public float* C;
    /// <summary>C's row stride in bytes.</summary>
    [FieldOffset(48)] public nint LdcBytes;
    [FieldOffset(56)] public int* RowOffset;
    [FieldOffset(64)] public float* RowScale;
    /// <summary>32 column sums (the arrays are padded to whole panels).</summary>
    [FieldOffset(72)] public int* ColSum;
    [FieldOffset(80)] public float* ColScale;
    /// <summary>Store masks of columns 0–15 and 16–31: the valid columns of a partial panel.</summary>
    [FieldOffset(88)] public ushort Mask0;
    [FieldOffset(90)] public ushort Mask1;
    /// <summary>Non-zero when every row shares RowOffset[0] and RowScale[0] (activations per tensor): picks the strip
    /// functions that form their products with the columns once (<see cref="VnniKernelEmitter"/>).</summary>
    [FieldOffset(92)] public int UniformRows;
    /// <summary>32 column biases added after the rescale (−0 for none and past the panel's columns; never null).</summary>
    [FieldOffset(96)] public float* Bias;

    public const int OffsetA = 0, OffsetLda = 8, OffsetRows = 16, OffsetB = 24, OffsetQuads = 32, OffsetC = 40,
        OffsetLdc = 48, OffsetRowOffset = 56, OffsetRowScale = 64, OffsetColSum = 72, OffsetColScale = 80,
        OffsetMask0 = 88, OffsetMask1 = 90, OffsetBias = 96;
}
