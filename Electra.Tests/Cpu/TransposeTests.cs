using Electra.Cpu.Kernels;
using FsCheck;
using FsCheck.Xunit;

namespace Electra.Tests.Cpu;

/// <summary>The transposed block copy that packs weights and attention keys, against the definition.</summary>
public class TransposeTests
{
    [Property(MaxTest = 200)]
    public bool Block_equals_the_elementwise_transpose(byte rowsSeed, byte colsSeed, byte padSeed, int seed)
    {
        // Sizes around the 8 × 8 register tile and its multiples, with padded strides.
        int rows = 1 + rowsSeed % 40, cols = 1 + colsSeed % 40;
        int sourceStride = cols + padSeed % 5, targetStride = rows + padSeed / 51;
        var rng = new Random(seed);
        var source = new float[(rows - 1) * sourceStride + cols];
        for (int i = 0; i < source.Length; i++) source[i] = (float)rng.NextDouble();
        var target = Enumerable.Repeat(float.NaN, (cols - 1) * targetStride + rows).ToArray();
        Transpose.Block(source, sourceStride, rows, cols, target, targetStride);
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                if (target[c * targetStride + r] != source[r * sourceStride + c]) return false;
        // Stride padding is left untouched.
        for (int c = 0; c < cols; c++)
            for (int r = rows; r < targetStride && c * targetStride + r < target.Length; r++)
                if (!float.IsNaN(target[c * targetStride + r])) return false;
        return true;
    }

    /// <summary>A GEMM panel: the transpose of up to a panel's width of rows, zero in the columns past them.</summary>
    [Property(MaxTest = 200)]
    public unsafe bool Panel_is_the_transpose_padded_with_zeros(byte rowsSeed, byte colsSeed, byte widthSeed, byte padSeed, int seed)
    {
        int width = (widthSeed % 3) switch { 0 => 8, 1 => 16, _ => 32 };
        if (widthSeed % 7 == 0) width = 12;   // a width that is not a whole number of vectors
        int rows = 1 + rowsSeed % width, cols = 1 + colsSeed % 70, sourceStride = cols + padSeed % 5;
        var rng = new Random(seed);
        var source = new float[(rows - 1) * sourceStride + cols];
        for (int i = 0; i < source.Length; i++) source[i] = (float)rng.NextDouble();
        var panel = Enumerable.Repeat(float.NaN, cols * width).ToArray();
        fixed (float* s = source)
        fixed (float* p = panel)
            Transpose.Panel(s, sourceStride, rows, cols, p, width);
        for (int c = 0; c < cols; c++)
            for (int r = 0; r < width; r++)
                if (BitConverter.SingleToInt32Bits(panel[c * width + r]) != BitConverter.SingleToInt32Bits(r < rows ? source[r * sourceStride + c] : 0f))
                    return false;
        return true;
    }

    [Fact]
    public void Too_short_a_target_is_refused()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Transpose.Block(new float[16], 4, 4, 4, new float[15], 4));
        Assert.Contains("too short", ex.Message);
    }
}
