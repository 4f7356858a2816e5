using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Electra.Cpu.Kernels;

/// <summary>
/// Transposed block copies for packing GEMM operands (weights at load, attention keys per head). Whole 8 × 8 tiles
/// go through AVX registers, which turns the scalar loop's 64 strided stores into 8 contiguous vector stores.
/// </summary>
public static unsafe class Transpose
{
    /// <summary>
    /// target[c · targetStride + r] = source[r · sourceStride + c] for r &lt; rows, c &lt; cols (strides in elements).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">a size is negative, a stride too small, or a span too short.</exception>
    public static void Block(ReadOnlySpan<float> source, int sourceStride, int rows, int cols, Span<float> target, int targetStride)
    {
        if (rows < 0 || cols < 0) throw new ArgumentOutOfRangeException(nameof(rows), $"block {rows} × {cols} has a negative size");
        if (rows == 0 || cols == 0) return;
        if (sourceStride < cols || targetStride < rows)
            throw new ArgumentOutOfRangeException(nameof(sourceStride), $"strides {sourceStride} / {targetStride} are too small for a {rows} × {cols} block");
        if (source.Length < (long)(rows - 1) * sourceStride + cols || target.Length < (long)(cols - 1) * targetStride + rows)
            throw new ArgumentOutOfRangeException(nameof(source), $"spans of {source.Length} / {target.Length} floats are too short for a {rows} × {cols} block");
        fixed (float* s = source)
        fixed (float* t = target)
            Block(s, sourceStride, rows, cols, t, targetStride);
    }

    /// <summary>
    /// target[c · targetStride + r] = source[r · sourceStride + c] for r &lt; rows, c &lt; cols (strides in floats).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Block(float* source, long sourceStride, int rows, int cols, float* target, long targetStride)
    {
        int r = 0;
        if (Avx.IsSupported)
        {
            for (; r + 8 <= rows; r += 8)
            {
                float* s = source + r * sourceStride;
                float* t = target + r;
                int c = 0;
                for (; c + 8 <= cols; c += 8) Tile8x8(s + c, sourceStride, t + c * targetStride, targetStride);
                for (; c < cols; c++)
                    for (int i = 0; i < 8; i++) t[c * targetStride + i] = s[i * sourceStride + c];
            }
        }
        for (; r < rows; r++)
        {
            float* s = source + r * sourceStride;
            for (int c = 0; c < cols; c++) target[c * targetStride + r] = s[c];
        }
    }

    /// <summary>
    /// One GEMM panel of width <paramref name="panelWidth"/>: the transposed block of <paramref name="rows"/> ≤
    /// panelWidth source rows, with columns rows..panelWidth of every panel row zeroed (the padding past the last row).
    /// </summary>
    internal static void Panel(float* source, long sourceStride, int rows, int cols, float* panel, int panelWidth)
    {
        if (rows == panelWidth || !Avx.IsSupported || panelWidth % 8 != 0)
        {
            Block(source, sourceStride, rows, cols, panel, panelWidth);
            for (int c = 0; c < cols; c++) new Span<float>(panel + (long)c * panelWidth + rows, panelWidth - rows).Clear();
            return;
        }
        // A partial panel (an attention head's keys of a short text, a weight's last outputs): whole groups of 8 rows,
        // then the rest through an 8-row staging tile whose missing rows are zero, so it too is whole 8 × 8
        // transposes (not one strided store per float) that write the first padding columns as well.
        int full = rows & ~7, rest = rows - full;
        Block(source, sourceStride, full, cols, panel, panelWidth);
        if (rest > 0)
        {
            float* stage = stackalloc float[64];
            float* s = source + full * sourceStride;
            float* t = panel + full;
            int c = 0;
            for (; c + 8 <= cols; c += 8)
            {
                for (int i = 0; i < 8; i++)
                    Avx.Store(stage + 8 * i, i < rest ? Avx.LoadVector256(s + i * sourceStride + c) : Vector256<float>.Zero);
                Tile8x8(stage, 8, t + c * panelWidth, panelWidth);
            }
            for (; c < cols; c++)
                for (int i = 0; i < 8; i++) t[c * panelWidth + i] = i < rest ? s[i * sourceStride + c] : 0f;
        }
        int written = (rows + 7) & ~7;
        for (int c = 0; c < cols; c++)
            for (int z = written; z < panelWidth; z += 8) Avx.Store(panel + (long)c * panelWidth + z, Vector256<float>.Zero);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Tile8x8(float* s, long sourceStride, float* t, long targetStride)
    {
        var r0 = Avx.LoadVector256(s);
        var r1 = Avx.LoadVector256(s + sourceStride);
        var r2 = Avx.LoadVector256(s + 2 * sourceStride);
        var r3 = Avx.LoadVector256(s + 3 * sourceStride);
        var r4 = Avx.LoadVector256(s + 4 * sourceStride);
        var r5 = Avx.LoadVector256(s + 5 * sourceStride);
        var r6 = Avx.LoadVector256(s + 6 * sourceStride);
        var r7 = Avx.LoadVector256(s + 7 * sourceStride);
        // Interleave pairs of rows, then pairs of pairs, then swap 128-bit halves: the classic 8 × 8 transpose.
        var t0 = Avx.UnpackLow(r0, r1);
        var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5);
        var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7);
        var t7 = Avx.UnpackHigh(r6, r7);
        var u0 = Avx.Shuffle(t0, t2, 0x44);
        var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44);
        var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44);
        var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44);
        var u7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(t, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(t + targetStride, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(t + 2 * targetStride, Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(t + 3 * targetStride, Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(t + 4 * targetStride, Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(t + 5 * targetStride, Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(t + 6 * targetStride, Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(t + 7 * targetStride, Avx.Permute2x128(u3, u7, 0x31));
    }
}
