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

    [Fact]
    public void Too_short_a_target_is_refused()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Transpose.Block(new float[16], 4, 4, 4, new float[15], 4));
        Assert.Contains("too short", ex.Message);
    }
}
