using Electra.Cpu.Kernels;
using Electra.Cpu.Kernels.Int8;
using Electra.Tests.Support;
using FsCheck.Xunit;
using Xunit;

namespace Electra.Tests.Cpu;

/// <summary>
/// The LayerNorm row (<see cref="LayerNormKernel"/>) against a double-precision scalar twin on odd widths, rows with a
/// tiny variance under a large mean, eps 1e-12 and 1e-5, NaN and ∞, with and without a residual and range tracking;
/// and its 256-bit and 512-bit paths against each other, bit for bit.
/// </summary>
public class LayerNormRowTests
{
    static readonly bool[] Paths = LayerNormKernel.WideRow ? [false, true] : [false];

    /// <summary>The kind of row a property draws.</summary>
    enum RowKind { Uniform, TinyVarianceLargeMean, Constant, NearFloatMax, SubnormalValues }

    static float[] Draw(Random rng, RowKind kind, int n)
    {
        var v = new float[n];
        double mean = rng.Next(3) switch { 0 => 1e3, 1 => -3.3e5, _ => 7.5 };
        for (int i = 0; i < n; i++)
            v[i] = kind switch
            {
                RowKind.Uniform => (float)(rng.NextDouble() * 4 - 2),
                // A spread of a few float ulps of the mean: the centring must not lose it.
                RowKind.TinyVarianceLargeMean => (float)(mean * (1 + (rng.NextDouble() - 0.5) * 1e-6)),
                RowKind.Constant => (float)mean,
                RowKind.NearFloatMax => (float)((rng.NextDouble() * 2 - 1) * 3.4e38),
                _ => (float)((rng.NextDouble() * 2 - 1) * 1e-40),
            };
        return v;
    }

    /// <summary>
    /// The twin: v = x + res rounded to float as the row stores it, then mean, centred variance and (v − mean)/σ in
    /// double. Returns the normalised values (before γ, β) and the mean and 1/σ.
    /// </summary>
    static (double[] Normalized, double Mean, double Inv) Twin(float[] x, float[]? res, float eps)
    {
        int n = x.Length;
        var v = new double[n];
        for (int i = 0; i < n; i++) v[i] = res == null ? x[i] : x[i] + res[i]; // float + float: rounded to float
        double mean = v.Sum() / n;
        double variance = v.Select(d => (d - mean) * (d - mean)).Sum() / n;
        double inv = 1 / Math.Sqrt(variance + eps);
        return (v.Select(d => (d - mean) * inv).ToArray(), mean, inv);
    }

    static unsafe float[] RunRow(bool wide, float[] x, float[]? res, float[] gamma, float[] beta, float eps, bool track, out ValueRange range)
    {
        var y = new float[x.Length];
        var acc = new RangeAccumulator();
        fixed (float* px = x, pr = res, pg = gamma, pb = beta, py = y)
            LayerNormKernel.Row(wide, px, res == null ? null : pr, py, pg, pb, eps, x.Length, ref acc, track);
        range = acc.Range;
        return y;
    }

    [Property(MaxTest = 300)]
    public void RowMatchesTheDoubleTwin(int seed, bool withResidual, bool smallEps, bool track)
    {
        // Width and kind from the seed: FsCheck draws small numbers at small sizes, and rows of 1–1100 should all come up.
        var rng = new Random(seed);
        int n = rng.Next(2) == 0 ? 1 + rng.Next(40) : 1 + rng.Next(1100);
        var kind = (RowKind)rng.Next(5);
        var x = Draw(rng, kind, n);
        // The residual takes a quarter of each value, so x + res is a row of the same kind (near ±3.4e38 it is small:
        // a quarter there would overflow x + res); the twin adds the two in float, as the row does.
        float[]? res = null;
        if (withResidual)
        {
            res = kind == RowKind.NearFloatMax ? Draw(rng, RowKind.Uniform, n) : x.Select(v => v * 0.25f).ToArray();
            if (kind != RowKind.NearFloatMax) for (int i = 0; i < n; i++) x[i] -= res[i];
        }
        var gamma = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
        var beta = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        // β = 0 on every other column: a constant row must give exactly 0 there, not a rounding of its mean scaled by 1/√eps.
        if (kind == RowKind.Constant) for (int i = 0; i < n; i += 2) beta[i] = 0;
        float eps = smallEps ? 1e-12f : 1e-5f;
        var (normalized, mean, inv) = Twin(x, res, eps);
        // The float pass 3 carries the mean to 2⁻⁴⁸ of itself (split into two floats) and rounds three times.
        double centreError = (Math.Abs(mean) * Math.ScaleB(1, -46) + Math.ScaleB(1, -148)) * inv;
        foreach (bool wide in Paths)
        {
            var y = RunRow(wide, x, res, gamma, beta, eps, track, out var range);
            for (int i = 0; i < n; i++)
            {
                double expected = normalized[i] * gamma[i] + beta[i];
                double tolerance = (Math.ScaleB(Math.Abs(normalized[i]), -20) + centreError) * Math.Abs(gamma[i])
                    + Math.ScaleB(Math.Abs(expected), -23) + float.Epsilon;
                if (!(Math.Abs(y[i] - expected) <= tolerance))
                    Assert.Fail($"{kind} width {n} residual {withResidual} eps {eps} wide {wide}: element {i} = {y[i]}, expected {expected} ± {tolerance}");
            }
            if (kind == RowKind.Constant || n == 1)
                for (int i = 0; i < n; i++) Assert.Equal(beta[i], y[i]);
            if (track)
            {
                float min = 0, max = 0;
                foreach (var v in y) { min = MathF.Min(min, v); max = MathF.Max(max, v); }
                Assert.Equal(new ValueRange(min, max), range);
                TensorAssert.Bitwise($"{kind} width {n}: tracking the range", RunRow(wide, x, res, gamma, beta, eps, track: false, out _), y);
            }
        }
    }

    [Property(MaxTest = 200)]
    public void BothPathsGiveTheSameBits(int seed, bool withResidual, bool smallEps)
    {
        if (!LayerNormKernel.WideRow) return;
        // Width and kind from the seed: FsCheck draws small numbers at small sizes, and rows of 1–1100 should all come up.
        var rng = new Random(seed);
        int n = rng.Next(2) == 0 ? 1 + rng.Next(40) : 1 + rng.Next(1100);
        var kind = (RowKind)rng.Next(5);
        var x = Draw(rng, kind, n);
        float[]? res = withResidual ? Draw(rng, RowKind.Uniform, n) : null;
        var gamma = Draw(rng, RowKind.Uniform, n);
        var beta = Draw(rng, RowKind.Uniform, n);
        float eps = smallEps ? 1e-12f : 1e-5f;
        TensorAssert.Bitwise($"{kind} width {n} residual {withResidual} eps {eps}: 256-bit against 512-bit",
            RunRow(false, x, res, gamma, beta, eps, false, out _), RunRow(true, x, res, gamma, beta, eps, false, out _));
    }

    /// <summary>
    /// The statistics alone, bit for bit on both paths, on rows whose double sums round (values from 2⁻⁴⁰ to 2⁴⁰): a
    /// change in the order the lanes are summed shows here, where it would change an output bit only rarely.
    /// </summary>
    [Property(MaxTest = 200)]
    public unsafe void BothPathsSumInTheSameOrder(int seed, bool withResidual)
    {
        if (!LayerNormKernel.WideRow) return;
        var rng = new Random(seed);
        int n = 1 + rng.Next(1100);
        float[] Spread() => Enumerable.Range(0, n).Select(_ => (float)Math.ScaleB(rng.NextDouble() * 2 - 1, rng.Next(-40, 41))).ToArray();
        float[] x = Spread(), res = Spread(), dst = new float[n];
        fixed (float* px = x, pr = res, pd = dst)
        {
            var narrow = LayerNormKernel.Moments(false, px, withResidual ? pr : null, pd, n);
            var wide = LayerNormKernel.Moments(true, px, withResidual ? pr : null, pd, n);
            Assert.True(BitConverter.DoubleToInt64Bits(narrow.Mean) == BitConverter.DoubleToInt64Bits(wide.Mean)
                && BitConverter.DoubleToInt64Bits(narrow.Squares) == BitConverter.DoubleToInt64Bits(wide.Squares),
                $"width {n}: mean {narrow.Mean:R} / {wide.Mean:R}, squares {narrow.Squares:R} / {wide.Squares:R}");
        }
    }

    /// <summary>A NaN or ∞ anywhere in the row (input or residual) makes the whole row NaN, as the double twin, and its range NaN.</summary>
    [Theory]
    [InlineData(1, 0, float.NaN)]
    [InlineData(7, 3, float.PositiveInfinity)]
    [InlineData(16, 15, float.NegativeInfinity)]
    [InlineData(37, 36, float.NaN)]
    [InlineData(256, 100, float.PositiveInfinity)]
    [InlineData(1025, 1024, float.NegativeInfinity)]
    public void NonFiniteValuesMakeTheRowNaN(int n, int at, float value)
    {
        var rng = new Random(n);
        foreach (bool wide in Paths)
            foreach (bool inResidual in new[] { false, true })
            {
                var x = Draw(rng, RowKind.Uniform, n);
                var res = Draw(rng, RowKind.Uniform, n);
                (inResidual ? res : x)[at] = value;
                var y = RunRow(wide, x, res, Draw(rng, RowKind.Uniform, n), Draw(rng, RowKind.Uniform, n), 1e-12f, true, out var range);
                Assert.True(Twin(x, res, 1e-12f).Normalized.All(double.IsNaN));
                Assert.True(y.All(float.IsNaN), $"width {n}, {value} at {at}, wide {wide}: {string.Join(", ", y.Take(8))}");
                Assert.True(float.IsNaN(range.Min) && float.IsNaN(range.Max));
            }
    }

    /// <summary>
    /// The range a row measures is, to the bit (−0 included), the range of its outputs added eight at a time to a
    /// RangeAccumulator: outputs of ±0 (γ = 0, β = ±0), ∞ (γ = 3e38) and NaN (a NaN in γ or β) among ordinary ones.
    /// </summary>
    [Property(MaxTest = 200)]
    public unsafe void TheMeasuredRangeIsTheOutputsRange(int seed, bool withResidual)
    {
        var rng = new Random(seed);
        int n = rng.Next(2) == 0 ? 1 + rng.Next(40) : 1 + rng.Next(1100);
        var x = Draw(rng, RowKind.Uniform, n);
        float[]? res = withResidual ? Draw(rng, RowKind.Uniform, n) : null;
        var gamma = Draw(rng, RowKind.Uniform, n);
        var beta = Draw(rng, RowKind.Uniform, n);
        int special = rng.Next(5);
        for (int i = 0; i < n; i++)
            switch (special)
            {
                case 0: gamma[i] = 0; beta[i] = rng.Next(2) == 0 ? 0f : -0f; break;
                case 1: if (rng.Next(50) == 0) gamma[i] = 3e38f; break;
                case 2: if (rng.Next(200) == 0) (rng.Next(2) == 0 ? gamma : beta)[i] = float.NaN; break;
                case 3: beta[i] = -MathF.Abs(beta[i]) - 3; break; // every output negative: the range's max is 0 itself
            }
        foreach (bool wide in Paths)
        {
            var y = RunRow(wide, x, res, gamma, beta, 1e-12f, track: true, out var range);
            var expected = new RangeAccumulator();
            int j = 0;
            fixed (float* py = y)
            {
                for (; j + 8 <= n; j += 8) expected.Add(System.Runtime.Intrinsics.Vector256.Load(py + j));
                for (; j < n; j++) expected.Add(py[j]);
            }
            var e = expected.Range;
            Assert.True(BitConverter.SingleToInt32Bits(e.Min) == BitConverter.SingleToInt32Bits(range.Min)
                && BitConverter.SingleToInt32Bits(e.Max) == BitConverter.SingleToInt32Bits(range.Max),
                $"case {special} width {n} wide {wide}: measured {range.Min:R}..{range.Max:R}, outputs {e.Min:R}..{e.Max:R}");
        }
    }
}
