using System.Runtime.CompilerServices;
using Electra.Cpu.Kernels.Int8;

namespace Electra.Cpu.Kernels;

public static unsafe partial class LayerNormKernel
{
    /// <summary>
    /// Pass 3 in float: ((v − High) − Low)·Scale, γ and β by one fused multiply-add, with the double mean split into
    /// two floats (High + Low carries it to 2⁻⁴⁸ of itself) and Scale the double 1/√(var + eps) rounded once. Widening
    /// each element to double and narrowing it back cost as much as the two statistics passes together.
    /// Error: v − High is exact where Sterbenz applies (v within a factor 2 of the mean); the two further roundings,
    /// Scale's and the product's, leave the normalised value within a few float ulps of the double one, plus
    /// |mean|·2⁻⁴⁸·Scale from the split (≤ 2⁻²⁵·√n where the row's values are float-quantised; 1e-6 at n = 1024).
    /// <see cref="Fits"/> keeps every intermediate finite and Scale a normal float; rows outside it (values near
    /// ±3.4e38, Scale outside [2⁻¹⁰⁰, 2⁶⁴], NaN or ∞) normalise in double.
    /// </summary>
    readonly struct FloatCentre
    {
        public readonly float High, Low, Scale;
        readonly double _mean, _inv;

        public FloatCentre(double mean, double inv)
        {
            _mean = mean; _inv = inv;
            High = (float)mean;
            Low = (float)(mean - High);
            Scale = (float)inv;
        }

        /// <summary>
        /// Whether the float pass is safe for a row whose centred squares sum to <paramref name="squares"/>: every
        /// |v − mean| ≤ √squares, so below 2¹²⁵ v − High cannot overflow; NaN fails every comparison.
        /// </summary>
        public bool Fits(double squares) =>
            squares < MaxSquares && Math.Abs(_mean) < MaxMean && _inv >= MinScale && _inv <= MaxScale;

        static readonly double MaxSquares = Math.ScaleB(1, 250), MaxMean = Math.ScaleB(1, 125),
            MinScale = Math.ScaleB(1, -100), MaxScale = Math.ScaleB(1, 64);

        /// <summary>The float pass over the elements from <paramref name="i"/> on, as the vector loops compute each.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Normalize(float* dst, float* gamma, float* beta, int i, int n, ref RangeAccumulator rowRange, bool track)
        {
            for (; i < n; i++)
            {
                dst[i] = MathF.FusedMultiplyAdd((dst[i] - High - Low) * Scale, gamma[i], beta[i]);
                if (track) rowRange.Add(dst[i]);
            }
        }
    }
}
