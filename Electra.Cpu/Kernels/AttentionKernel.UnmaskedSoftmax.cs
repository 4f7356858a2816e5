using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Electra.Cpu.Kernels;

public static unsafe partial class AttentionKernel
{
    /// <summary>
    /// <see cref="ExponentiateShifted"/> for a row that sees every key (no padding in its batch row, no causal cut), the
    /// common case: there is no mask term to add, so the first pass only finds the maximum of the raw scores, without
    /// storing anything, and the second applies 1/√d inside the exp's argument. Since x ↦ x/√d is monotonic, the max
    /// of the scaled scores is the scaled max; when √d is a power of two, x·(1/√d) − max is one exact-product FMA, so
    /// the exps are bit for bit those of <see cref="ExponentiateShifted"/>. <paramref name="wide"/> takes 512-bit
    /// vectors (AVX-512), half the instructions; the row must then have room for <paramref name="length"/> rounded up
    /// to 16 floats (8 otherwise). Leaves e^(x − max) in the row, zero past <paramref name="length"/>; returns 1 / Σ.
    /// </summary>
    internal static float ExponentiateUnmasked(float* row, int length, float divisor, bool wide) =>
        wide ? ExponentiateUnmasked512(row, length, divisor) : ExponentiateUnmasked256(row, length, divisor);

    static bool IsPowerOfTwo(float divisor) => (BitConverter.SingleToInt32Bits(divisor) & 0x7FFFFF) == 0;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static float ExponentiateUnmasked512(float* row, int length, float divisor)
    {
        int full = length & ~15, rest = length - full;
        var lanes = Vector512.LessThan(Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
            Vector512.Create(rest)).AsSingle();
        var negativeInfinity = Vector512.Create(float.NegativeInfinity);
        // Two running maxima: one would chain every vmaxps on the previous one's latency.
        var max0 = negativeInfinity;
        var max1 = negativeInfinity;
        int j = 0;
        for (; j + 32 <= full; j += 32)
        {
            max0 = Vector512.MaxNative(max0, Vector512.Load(row + j));
            max1 = Vector512.MaxNative(max1, Vector512.Load(row + j + 16));
        }
        if (j < full) max0 = Vector512.MaxNative(max0, Vector512.Load(row + j));
        if (rest > 0) max1 = Vector512.MaxNative(max1, Vector512.ConditionalSelect(lanes, Vector512.Load(row + full), negativeInfinity));
        var max = Vector512.MaxNative(max0, max1);
        float top = HorizontalMax(Vector256.MaxNative(max.GetLower(), max.GetUpper()));

        var sum = Vector512<float>.Zero;
        if (IsPowerOfTwo(divisor))
        {
            float scale = 1f / divisor;
            var s = Vector512.Create(scale);
            var shift = Vector512.Create(-(top * scale));
            for (j = 0; j < full; j += 16)
            {
                var e = VectorMath.ExpOfNonPositive(Vector512.FusedMultiplyAdd(Vector512.Load(row + j), s, shift));
                Vector512.Store(e, row + j);
                sum += e;
            }
            if (rest > 0)
            {
                var e = VectorMath.ExpOfNonPositive(Vector512.FusedMultiplyAdd(Vector512.Load(row + full), s, shift)) & lanes;
                Vector512.Store(e, row + full);
                sum += e;
            }
        }
        else
        {
            var div = Vector512.Create(divisor);
            var shift = Vector512.Create(top / divisor);
            for (j = 0; j < full; j += 16)
            {
                var e = VectorMath.ExpOfNonPositive(Vector512.Load(row + j) / div - shift);
                Vector512.Store(e, row + j);
                sum += e;
            }
            if (rest > 0)
            {
                var e = VectorMath.ExpOfNonPositive(Vector512.Load(row + full) / div - shift) & lanes;
                Vector512.Store(e, row + full);
                sum += e;
            }
        }
        return 1f / Vector512.Sum(sum);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static float ExponentiateUnmasked256(float* row, int length, float divisor)
    {
        int full = length & ~7, rest = length - full;
        var lanes = Vector256.LessThan(Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7), Vector256.Create(rest)).AsSingle();
        var negativeInfinity = Vector256.Create(float.NegativeInfinity);
        var max0 = negativeInfinity;
        var max1 = negativeInfinity;
        int j = 0;
        for (; j + 16 <= full; j += 16)
        {
            max0 = Vector256.MaxNative(max0, Vector256.Load(row + j));
            max1 = Vector256.MaxNative(max1, Vector256.Load(row + j + 8));
        }
        if (j < full) max0 = Vector256.MaxNative(max0, Vector256.Load(row + j));
        if (rest > 0) max1 = Vector256.MaxNative(max1, Vector256.ConditionalSelect(lanes, Vector256.Load(row + full), negativeInfinity));
        float top = HorizontalMax(Vector256.MaxNative(max0, max1));

        var sum = Vector256<float>.Zero;
        if (IsPowerOfTwo(divisor))
        {
            float scale = 1f / divisor;
            var s = Vector256.Create(scale);
            var shift = Vector256.Create(-(top * scale));
            for (j = 0; j < full; j += 8)
            {
                var e = VectorMath.ExpOfNonPositive(Vector256.FusedMultiplyAdd(Vector256.Load(row + j), s, shift));
                Vector256.Store(e, row + j);
                sum += e;
            }
            if (rest > 0)
            {
                var e = VectorMath.ExpOfNonPositive(Vector256.FusedMultiplyAdd(Vector256.Load(row + full), s, shift)) & lanes;
                Vector256.Store(e, row + full);
                sum += e;
            }
        }
        else
        {
            var div = Vector256.Create(divisor);
            var shift = Vector256.Create(top / divisor);
            for (j = 0; j < full; j += 8)
            {
                var e = VectorMath.ExpOfNonPositive(Vector256.Load(row + j) / div - shift);
                Vector256.Store(e, row + j);
                sum += e;
            }
            if (rest > 0)
            {
                var e = VectorMath.ExpOfNonPositive(Vector256.Load(row + full) / div - shift) & lanes;
                Vector256.Store(e, row + full);
                sum += e;
            }
        }
        return 1f / Vector256.Sum(sum);
    }

    /// <summary>Whether every one of the row's <paramref name="length"/> mask values is 1 (no padded key).</summary>
    static bool AllOnes(float* mask, int length)
    {
        var one = Vector256<float>.One;
        int j = 0;
        for (; j + 8 <= length; j += 8)
            if (Vector256.Load(mask + j) != one) return false;
        for (; j < length; j++)
            if (mask[j] != 1f) return false;
        return true;
    }
}
