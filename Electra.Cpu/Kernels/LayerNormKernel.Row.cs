using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Electra.Cpu.Kernels.Int8;

namespace Electra.Cpu.Kernels;

/// <summary>
/// One LayerNorm row in three passes over it: (1) v = x + res, stored and summed; (2) the centred squares summed;
/// (3) the outputs, in float with a two-float mean (<see cref="FloatCentre"/>) or, for rows outside its range, in
/// double. Mean and centred variance are accumulated in double, so rows with tiny variance (eps 1e-12) and
/// large means keep their precision. Passes 1 and 2 sum into 16 double lanes (lane j takes the elements i ≡ j mod 16
/// of the row's whole 16-element blocks, lanes 0–7 an 8-element block after them), reduced in one fixed order, then
/// the last elements one by one: independent chains instead of one serial add per 8 floats, and one order whether the
/// lanes are four 256-bit or two 512-bit registers, so both paths give the same bits.
/// </summary>
public static unsafe partial class LayerNormKernel
{
    /// <summary>Whether the row runs on 512-bit registers (8 floats widen to one register of doubles in one instruction).</summary>
    internal static readonly bool WideRow = Vector512.IsHardwareAccelerated && Avx512F.IsSupported;

    /// <summary>
    /// dst = LayerNorm(x + res) over one row of <paramref name="n"/> floats (res may be null, dst may alias x): the one
    /// definition of the row, shared by this kernel and the GEMM's fused LayerNorm epilogue, so both give the same bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Row(float* x, float* res, float* dst, float* gamma, float* beta, float eps, int n)
    {
        var none = new RangeAccumulator();
        if (WideRow) Row512(x, res, dst, gamma, beta, eps, n, ref none, track: false);
        else Row256(x, res, dst, gamma, beta, eps, n, ref none, track: false);
    }

    /// <summary>
    /// <see cref="Row(float*, float*, float*, float*, float*, float, int)"/> that also folds each output into
    /// <paramref name="range"/> as it is stored (for an int8 linear that reads the output next).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Row(float* x, float* res, float* dst, float* gamma, float* beta, float eps, int n, ref RangeAccumulator range)
    {
        if (WideRow) Row512(x, res, dst, gamma, beta, eps, n, ref range, track: true);
        else Row256(x, res, dst, gamma, beta, eps, n, ref range, track: true);
    }

    /// <summary>The row on the path <paramref name="wide"/> names (512-bit needs AVX-512F), for tests that compare the two.</summary>
    internal static void Row(bool wide, float* x, float* res, float* dst, float* gamma, float* beta, float eps, int n, ref RangeAccumulator range, bool track)
    {
        if (wide) Row512(x, res, dst, gamma, beta, eps, n, ref range, track);
        else Row256(x, res, dst, gamma, beta, eps, n, ref range, track);
    }

    /// <summary>Passes 1 and 2 with the 16 lanes in four <see cref="Vector256{T}"/> (any CPU; AVX2 machines run this): the mean and the sum of the centred squares.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static (double Mean, double Squares) Moments256(float* x, float* res, float* dst, int n)
    {
        var a0 = Vector256<double>.Zero; var a1 = a0; var a2 = a0; var a3 = a0;
        int i = 0;
        for (; i + 16 <= n; i += 16)
        {
            var v0 = Vector256.Load(x + i);
            var v1 = Vector256.Load(x + i + 8);
            if (res != null) { v0 += Vector256.Load(res + i); v1 += Vector256.Load(res + i + 8); }
            Vector256.Store(v0, dst + i);
            Vector256.Store(v1, dst + i + 8);
            var (l0, h0) = Vector256.Widen(v0);
            var (l1, h1) = Vector256.Widen(v1);
            a0 += l0; a1 += h0; a2 += l1; a3 += h1;
        }
        if (i + 8 <= n)
        {
            var v = Vector256.Load(x + i);
            if (res != null) v += Vector256.Load(res + i);
            Vector256.Store(v, dst + i);
            var (l, h) = Vector256.Widen(v);
            a0 += l; a1 += h;
            i += 8;
        }
        double mean = Mean(x, res, dst, i, n, SumLanes(a0 + a2, a1 + a3));

        var m = Vector256.Create(mean);
        a0 = a1 = a2 = a3 = Vector256<double>.Zero;
        for (i = 0; i + 16 <= n; i += 16)
        {
            var (l0, h0) = Vector256.Widen(Vector256.Load(dst + i));
            var (l1, h1) = Vector256.Widen(Vector256.Load(dst + i + 8));
            l0 -= m; h0 -= m; l1 -= m; h1 -= m;
            a0 = Vector256.FusedMultiplyAdd(l0, l0, a0);
            a1 = Vector256.FusedMultiplyAdd(h0, h0, a1);
            a2 = Vector256.FusedMultiplyAdd(l1, l1, a2);
            a3 = Vector256.FusedMultiplyAdd(h1, h1, a3);
        }
        if (i + 8 <= n)
        {
            var (l, h) = Vector256.Widen(Vector256.Load(dst + i));
            l -= m; h -= m;
            a0 = Vector256.FusedMultiplyAdd(l, l, a0);
            a1 = Vector256.FusedMultiplyAdd(h, h, a1);
            i += 8;
        }
        double squares = CentredSquares(dst, i, n, mean, SumLanes(a0 + a2, a1 + a3));
        return (mean, squares);
    }

    /// <summary>Passes 1 and 2 on the path <paramref name="wide"/> names, for tests that compare the two.</summary>
    internal static (double Mean, double Squares) Moments(bool wide, float* x, float* res, float* dst, int n) =>
        wide ? Moments512(x, res, dst, n) : Moments256(x, res, dst, n);

    /// <summary>The row on 256-bit registers (any CPU; AVX2 machines run this).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Row256(float* x, float* res, float* dst, float* gamma, float* beta, float eps, int n, ref RangeAccumulator range, bool track)
    {
        var (mean, squares) = Moments256(x, res, dst, n);
        double inv = 1.0 / Math.Sqrt(squares / n + eps);
        var m = Vector256.Create(mean);
        var rowRange = new RangeAccumulator();
        int i = 0;
        var centre = new FloatCentre(mean, inv);
        if (centre.Fits(squares))
        {
            var (high, low, scale) = (Vector256.Create(centre.High), Vector256.Create(centre.Low), Vector256.Create(centre.Scale));
            for (; i + 8 <= n; i += 8)
            {
                var normalized = (Vector256.Load(dst + i) - high - low) * scale;
                var output = Vector256.FusedMultiplyAdd(normalized, Vector256.Load(gamma + i), Vector256.Load(beta + i));
                Vector256.Store(output, dst + i);
                if (track) rowRange.Add(output);
            }
            centre.Normalize(dst, gamma, beta, i, n, ref rowRange, track);
        }
        else
        {
            var invV = Vector256.Create(inv);
            for (; i + 8 <= n; i += 8)
            {
                var (l, h) = Vector256.Widen(Vector256.Load(dst + i));
                var normalized = Vector256.Narrow((l - m) * invV, (h - m) * invV);
                var output = Vector256.FusedMultiplyAdd(normalized, Vector256.Load(gamma + i), Vector256.Load(beta + i));
                Vector256.Store(output, dst + i);
                if (track) rowRange.Add(output);
            }
            NormalizeInDouble(dst, gamma, beta, i, n, mean, inv, ref rowRange, track);
        }
        if (track) range.Add(in rowRange);
    }

    /// <summary>Passes 1 and 2 with the 16 lanes in two <see cref="Vector512{T}"/>: 8 floats widen to one register in one instruction.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static (double Mean, double Squares) Moments512(float* x, float* res, float* dst, int n)
    {
        var a0 = Vector512<double>.Zero; var a1 = a0;
        int i = 0;
        for (; i + 16 <= n; i += 16)
        {
            var v0 = Vector256.Load(x + i);
            var v1 = Vector256.Load(x + i + 8);
            if (res != null) { v0 += Vector256.Load(res + i); v1 += Vector256.Load(res + i + 8); }
            Vector256.Store(v0, dst + i);
            Vector256.Store(v1, dst + i + 8);
            a0 += Avx512F.ConvertToVector512Double(v0);
            a1 += Avx512F.ConvertToVector512Double(v1);
        }
        if (i + 8 <= n)
        {
            var v = Vector256.Load(x + i);
            if (res != null) v += Vector256.Load(res + i);
            Vector256.Store(v, dst + i);
            a0 += Avx512F.ConvertToVector512Double(v);
            i += 8;
        }
        var s = a0 + a1;
        double mean = Mean(x, res, dst, i, n, SumLanes(s.GetLower(), s.GetUpper()));

        var m = Vector512.Create(mean);
        a0 = a1 = Vector512<double>.Zero;
        for (i = 0; i + 16 <= n; i += 16)
        {
            var d0 = Avx512F.ConvertToVector512Double(Vector256.Load(dst + i)) - m;
            var d1 = Avx512F.ConvertToVector512Double(Vector256.Load(dst + i + 8)) - m;
            a0 = Vector512.FusedMultiplyAdd(d0, d0, a0);
            a1 = Vector512.FusedMultiplyAdd(d1, d1, a1);
        }
        if (i + 8 <= n)
        {
            var d = Avx512F.ConvertToVector512Double(Vector256.Load(dst + i)) - m;
            a0 = Vector512.FusedMultiplyAdd(d, d, a0);
            i += 8;
        }
        s = a0 + a1;
        double squares = CentredSquares(dst, i, n, mean, SumLanes(s.GetLower(), s.GetUpper()));
        return (mean, squares);
    }

    /// <summary>The row on 512-bit registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Row512(float* x, float* res, float* dst, float* gamma, float* beta, float eps, int n, ref RangeAccumulator range, bool track)
    {
        var (mean, squares) = Moments512(x, res, dst, n);
        double inv = 1.0 / Math.Sqrt(squares / n + eps);
        var m = Vector512.Create(mean);
        var rowRange = new RangeAccumulator();
        int i = 0;
        var centre = new FloatCentre(mean, inv);
        if (centre.Fits(squares))
        {
            var (high, low, scale) = (Vector512.Create(centre.High), Vector512.Create(centre.Low), Vector512.Create(centre.Scale));
            // The range in 512-bit registers: min, max and a probe that turns NaN at the first NaN or ∞, 3 instructions
            // per 16 outputs where folding each 8 into the accumulator took 10 (its NaN mask needs 3 per 8).
            var (min, max, probe) = (Vector512.Create(float.PositiveInfinity), Vector512.Create(float.NegativeInfinity), Vector512<float>.Zero);
            for (; i + 16 <= n; i += 16)
            {
                var normalized = (Vector512.Load(dst + i) - high - low) * scale;
                var output = Vector512.FusedMultiplyAdd(normalized, Vector512.Load(gamma + i), Vector512.Load(beta + i));
                Vector512.Store(output, dst + i);
                if (track)
                {
                    min = Vector512.MinNative(min, output);
                    max = Vector512.MaxNative(max, output);
                    probe = Vector512.FusedMultiplyAdd(output, Vector512<float>.Zero, probe);
                }
            }
            if (track && i > 0) FoldRange(ref rowRange, dst, i, min, max, probe);
            if (i + 8 <= n)
            {
                var normalized = (Vector256.Load(dst + i) - high.GetLower() - low.GetLower()) * scale.GetLower();
                var output = Vector256.FusedMultiplyAdd(normalized, Vector256.Load(gamma + i), Vector256.Load(beta + i));
                Vector256.Store(output, dst + i);
                if (track) rowRange.Add(output);
                i += 8;
            }
            centre.Normalize(dst, gamma, beta, i, n, ref rowRange, track);
        }
        else
        {
            var invV = Vector512.Create(inv);
            for (; i + 8 <= n; i += 8)
            {
                var normalized = Avx512F.ConvertToVector256Single((Avx512F.ConvertToVector512Double(Vector256.Load(dst + i)) - m) * invV);
                var output = Vector256.FusedMultiplyAdd(normalized, Vector256.Load(gamma + i), Vector256.Load(beta + i));
                Vector256.Store(output, dst + i);
                if (track) rowRange.Add(output);
            }
            NormalizeInDouble(dst, gamma, beta, i, n, mean, inv, ref rowRange, track);
        }
        if (track) range.Add(in rowRange);
    }

    /// <summary>
    /// Folds the range of dst[0, count), kept as lane-wise <paramref name="min"/> and <paramref name="max"/>, into
    /// <paramref name="rowRange"/>: the same range as adding each output (each lane's chain of MinNative/MaxNative is
    /// the accumulator's, started at ±∞). A NaN or ∞ output (a NaN <paramref name="probe"/>) takes the accumulator's
    /// own pass over the stored outputs instead, whose NaN mask MinNative and MaxNative alone would not keep.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void FoldRange(ref RangeAccumulator rowRange, float* dst, int count, Vector512<float> min, Vector512<float> max, Vector512<float> probe)
    {
        if (probe != Vector512<float>.Zero) { rowRange.Add(dst, count); return; }
        rowRange.Add(min.GetLower()); rowRange.Add(min.GetUpper());
        rowRange.Add(max.GetLower()); rowRange.Add(max.GetUpper());
    }

    /// <summary>The 16 lanes, given as lanes 0–7 + lanes 8–15 (low four, high four), reduced in the one fixed order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static double SumLanes(Vector256<double> low, Vector256<double> high)
    {
        var four = low + high;
        return (four.GetElement(0) + four.GetElement(1)) + (four.GetElement(2) + four.GetElement(3));
    }

    /// <summary>Pass 1 over the elements from <paramref name="i"/> on, added to the lanes' <paramref name="sum"/> one by one; the mean.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static double Mean(float* x, float* res, float* dst, int i, int n, double sum)
    {
        for (; i < n; i++)
        {
            float v = res != null ? x[i] + res[i] : x[i];
            dst[i] = v;
            sum += v;
        }
        return sum / n;
    }

    /// <summary>Pass 2 over the elements from <paramref name="i"/> on, added to the lanes' <paramref name="squares"/> one by one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static double CentredSquares(float* dst, int i, int n, double mean, double squares)
    {
        for (; i < n; i++)
        {
            double d = dst[i] - mean;
            squares = Math.FusedMultiplyAdd(d, d, squares);
        }
        return squares;
    }

    /// <summary>Pass 3 in double over the elements from <paramref name="i"/> on, as the vector loops compute each.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void NormalizeInDouble(float* dst, float* gamma, float* beta, int i, int n, double mean, double inv, ref RangeAccumulator rowRange, bool track)
    {
        for (; i < n; i++)
        {
            dst[i] = MathF.FusedMultiplyAdd((float)((dst[i] - mean) * inv), gamma[i], beta[i]);
            if (track) rowRange.Add(dst[i]);
        }
    }
}
