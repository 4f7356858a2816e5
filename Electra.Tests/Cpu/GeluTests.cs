using System.Runtime.Intrinsics;
using Electra.Core.Backend;
using Electra.Cpu.Kernels;
using Electra.Tests.Reference;
using Xunit.Abstractions;

namespace Electra.Tests.Cpu;

/// <summary>
/// The piecewise GELU (<see cref="VectorMath.Gelu(Vector256{float})"/>): its error bound over the floats of
/// [−20, 20], its special values and clamp regions, and the same bits from every coefficient lookup and from the
/// 512-bit variant.
/// </summary>
public class GeluTests(ITestOutputHelper output)
{
    /// <summary>2.2e-7·|x|: under two ulps of 1, times |x| (Φ's error, times x). Below the normal range the result's
    /// own rounding (half the smallest denormal) is added: ½·x there is already inexact.</summary>
    static double Bound(float x) => 2.2e-7 * Math.Abs(x) + float.Epsilon / 2.0;

    static double Reference(float x) => ReferenceOps.Activate(x, Activation.Gelu);

    public enum Variant { Active, Pieces, Rational }

    static Vector256<float> Gelu(Variant variant, Vector256<float> x) => variant switch
    {
        Variant.Active => VectorMath.Gelu(x),
        // The pieces on any CPU: the AVX-512 lookup where there is one, else its portable twin (the same bits).
        Variant.Pieces => GeluLookupAvx512.IsSupported ? VectorMath.Gelu<GeluLookupAvx512>(x) : VectorMath.Gelu<GeluLookupPortable>(x),
        _ => VectorMath.GeluRational(x),
    };

    /// <summary>
    /// Every float in [−20, 20] (about 2.2 billion) with ELECTRA_EXHAUSTIVE_GELU=1 (about a minute per variant on two
    /// cores); by default every 61st bit pattern of that range (36 million floats, every piece and exponent), in about
    /// a second. The active GELU, the pieces (whatever the CPU) and the rational fit of CPUs without AVX-512.
    /// </summary>
    [Theory]
    [InlineData(Variant.Active)]
    [InlineData(Variant.Pieces)]
    [InlineData(Variant.Rational)]
    public void GeluIsWithinItsBoundOverEveryFloat(Variant variant)
    {
        int stride = Environment.GetEnvironmentVariable("ELECTRA_EXHAUSTIVE_GELU") == "1" ? 1 : 61;
        // Non-negative floats are ordered by their bits: [0, 20] is bit patterns 0 ..= bits(20); the sign bit gives [−20, −0].
        uint last = (uint)BitConverter.SingleToInt32Bits(20f);
        const int Chunks = 256;
        var worst = new (double Ratio, float At)[Chunks];
        Parallel.For(0, Chunks, chunk =>
        {
            uint begin = (uint)((ulong)(last + 1) * (ulong)chunk / Chunks), end = (uint)((ulong)(last + 1) * (ulong)(chunk + 1) / Chunks);
            begin += (uint)((stride - begin % stride) % stride);
            Span<float> xs = stackalloc float[8];
            (double Ratio, float At) local = (0, 0);
            for (uint bits = begin; bits < end; bits += (uint)(8 * stride))
            {
                for (int lane = 0; lane < 8; lane++)
                {
                    uint b = bits + (uint)(lane * stride);
                    b = b < end ? b : bits;
                    xs[lane] = BitConverter.Int32BitsToSingle((int)b);
                }
                var xv = Vector256.Create<float>(xs);
                var yPositiveFirst = Gelu(variant, xv);
                var yNegativeFirst = Gelu(variant, -xv);
                for (int lane = 0; lane < 8; lane++)
                {
                    Check(xs[lane], yPositiveFirst[lane], ref local);
                    Check(-xs[lane], yNegativeFirst[lane], ref local);
                }
            }
            worst[chunk] = local;
        });
        var (ratio, at) = worst.MaxBy(w => w.Ratio);
        output.WriteLine($"{variant}: worst error {ratio:F3} of 2.2e-7·|x| (normal floats), at x = {at:R}, stride {stride}");
        Assert.True(ratio <= 1, $"GELU error {ratio:F3} of its bound at x = {at:R}");

        static void Check(float x, float y, ref (double Ratio, float At) local)
        {
            double error = Math.Abs(y - Reference(x));
            // Below the normal range only the result's own rounding counts (½·x is already inexact there): a pass
            // or fail, kept out of the reported ratio, which would otherwise always read 1.
            double ratio = float.IsNormal(x) ? error / (2.2e-7 * Math.Abs(x)) : error <= Bound(x) ? 0 : double.PositiveInfinity;
            if (!(ratio <= local.Ratio)) local = (double.IsNaN(ratio) ? double.PositiveInfinity : ratio, x);
        }
    }

    [Fact]
    public void GeluKeepsSpecialValues()
    {
        Assert.Equal(float.PositiveInfinity, VectorMath.Gelu(float.PositiveInfinity));
        // Φ is taken as 0 far below 0, so −∞ gives −∞·0 = NaN, as torch's ½·x·(1 + erf(x/√2)) does.
        Assert.True(float.IsNaN(VectorMath.Gelu(float.NegativeInfinity)));
        Assert.True(float.IsNaN(VectorMath.GeluRational(Vector256.Create(float.NegativeInfinity)).ToScalar()));
        Assert.True(float.IsNaN(VectorMath.Gelu(float.NaN)));
        Assert.True(float.IsNaN(VectorMath.Gelu(-float.NaN)));
        Assert.Equal(BitConverter.SingleToInt32Bits(-0f), BitConverter.SingleToInt32Bits(VectorMath.Gelu(-0f)));
        Assert.Equal(BitConverter.SingleToInt32Bits(0f), BitConverter.SingleToInt32Bits(VectorMath.Gelu(0f)));
        float mostPositive = VectorMath.Gelu(float.MaxValue);
        Assert.True(Math.Abs(mostPositive - (double)float.MaxValue) <= 2.2e-7 * float.MaxValue, $"GELU(MaxValue) = {mostPositive}");
        Assert.Equal(BitConverter.SingleToInt32Bits(-0f), BitConverter.SingleToInt32Bits(VectorMath.Gelu(float.MinValue)));
    }

    /// <summary>Past the clamp (+5.3) and far out: x·Φ(5.3), within the bound of the exact x·Φ(x); below −5.333, −0.</summary>
    [Theory]
    [InlineData(5.2999997f)] [InlineData(5.3f)] [InlineData(5.3000005f)] [InlineData(6f)] [InlineData(20f)] [InlineData(1e4f)] [InlineData(3e38f)]
    [InlineData(-5.2999997f)] [InlineData(-5.3f)] [InlineData(-5.3000005f)] [InlineData(-5.333f)] [InlineData(-5.3334f)] [InlineData(-6f)]
    [InlineData(-20f)] [InlineData(-31f)] [InlineData(-1e4f)] [InlineData(-3e38f)]
    public void GeluIsWithinItsBoundInTheClampRegions(float x)
    {
        float y = VectorMath.Gelu(x);
        double expected = x < 0 ? 0 : x; // Φ(x) is 1 or 0 to far below float32 rounding out here, except near ±5.3
        if (Math.Abs(x) < 10) expected = Reference(x);
        Assert.True(Math.Abs(y - expected) <= Bound(x), $"GELU({x:R}) = {y:R}, expected {expected:R}");
    }

    /// <summary>
    /// Far below 0, Φ is taken as 0: GELU is exactly −0 there, as torch's ½·x·(1 + erf(x/√2)) is once erf rounds to −1,
    /// on the pieces below −7.5 / Scale = −5.333 and on the rational fit below −4√2. Before, x times the clamped Φ gave an
    /// error that grew with |x| (−1.8e-6 at x = −31, −5.8e-4 at −10⁴), which an int8 GEMM test with a GELU epilogue found.
    /// </summary>
    [Theory]
    [InlineData(-5.3334f)] [InlineData(-5.7f)] [InlineData(-31f)] [InlineData(-1e4f)] [InlineData(float.MinValue)]
    public void GeluIsMinusZeroFarBelowZero(float x)
    {
        var xs = Vector256.Create(x);
        Assert.Equal(BitConverter.SingleToInt32Bits(-0f), BitConverter.SingleToInt32Bits(VectorMath.Gelu(x)));
        Assert.Equal(BitConverter.SingleToInt32Bits(-0f), BitConverter.SingleToInt32Bits(VectorMath.Gelu<GeluLookupPortable>(xs).ToScalar()));
        Assert.Equal(BitConverter.SingleToInt32Bits(-0f), BitConverter.SingleToInt32Bits(VectorMath.Gelu(Vector512.Create(x)).ToScalar()));
        if (x < -5.66f)
            Assert.Equal(BitConverter.SingleToInt32Bits(-0f), BitConverter.SingleToInt32Bits(VectorMath.GeluRational(xs).ToScalar()));
    }

    /// <summary>
    /// Every float in [−5.34, −5.29]: where piece −7, fitted down to −5.3, runs on to −5.333 before the zero entry takes
    /// over; within the bound on every path.
    /// </summary>
    [Fact]
    public void GeluIsWithinItsBoundWherePieceMinusSevenEnds()
    {
        for (float x = -5.34f; x <= -5.29f; x = MathF.BitIncrement(x))   // towards zero
        {
            foreach (var variant in new[] { Variant.Active, Variant.Pieces, Variant.Rational })
            {
                float y = Gelu(variant, Vector256.Create(x)).ToScalar();
                Assert.True(Math.Abs(y - Reference(x)) <= Bound(x), $"{variant}: GELU({x:R}) = {y:R}, expected {Reference(x):R}");
            }
        }
    }

    /// <summary>At and around the pieces' borders (x·Scale = k ± ½, where rounding may pick either neighbour).</summary>
    [Fact]
    public void GeluIsWithinItsBoundAtThePieceBorders()
    {
        for (int k = -8; k <= 8; k++)
        {
            float border = (k + 0.5f) / GeluPieces.Scale;
            float x = border;
            for (int step = 0; step < 64; step++) x = MathF.BitDecrement(x);
            for (int step = 0; step < 128; step++, x = MathF.BitIncrement(x))
            {
                float y = VectorMath.Gelu(x);
                Assert.True(Math.Abs(y - Reference(x)) <= Bound(x), $"GELU({x:R}) = {y:R}, expected {Reference(x):R}");
            }
        }
    }

    /// <summary>Every coefficient lookup available here gives the portable lookup's bits; so does the 512-bit GELU.</summary>
    [Fact]
    public void EveryLookupAndWidthGivesTheSameBits()
    {
        var inputs = new List<float> { float.NaN, float.PositiveInfinity, float.NegativeInfinity, float.MaxValue, float.MinValue,
            0f, -0f, float.Epsilon, -float.Epsilon, 1e-30f, -1e-30f, 5.3f, -5.3f, 5.31f, -5.31f };
        for (float x = -8f; x <= 8f; x += 1f / 997) inputs.Add(x);
        var random = new Random(20);
        for (int i = 0; i < 20_000; i++) inputs.Add((float)(random.NextDouble() * 40 - 20));
        while (inputs.Count % 16 != 0) inputs.Add(1.25f);
        var xs = inputs.ToArray();
        for (int i = 0; i < xs.Length; i += 16)
        {
            var lo = Vector256.Create(xs.AsSpan(i, 8));
            var hi = Vector256.Create(xs.AsSpan(i + 8, 8));
            var portable = Vector512.Create(VectorMath.Gelu<GeluLookupPortable>(lo), VectorMath.Gelu<GeluLookupPortable>(hi));
            if (GeluLookupAvx512.IsSupported)
            {
                AssertSameBits(portable, Vector512.Create(VectorMath.Gelu(lo), VectorMath.Gelu(hi)), xs, i, "Gelu (256-bit)");
                AssertSameBits(portable, VectorMath.Gelu(Vector512.Create(lo, hi)), xs, i, "Gelu (512-bit)");
            }
            else
                AssertSameBits(Vector512.Create(VectorMath.Gelu(lo), VectorMath.Gelu(hi)), VectorMath.Gelu(Vector512.Create(lo, hi)), xs, i, "Gelu (512-bit)");
            if (GeluLookupAvx512.IsSupported)
                AssertSameBits(portable, Vector512.Create(VectorMath.Gelu<GeluLookupAvx512>(lo), VectorMath.Gelu<GeluLookupAvx512>(hi)), xs, i, "AVX-512 lookup");
        }

        static void AssertSameBits(Vector512<float> expected, Vector512<float> actual, float[] xs, int at, string path)
        {
            for (int lane = 0; lane < 16; lane++)
                Assert.True(BitConverter.SingleToInt32Bits(expected[lane]) == BitConverter.SingleToInt32Bits(actual[lane])
                    || (float.IsNaN(expected[lane]) && float.IsNaN(actual[lane])),
                    $"{path}: GELU({xs[at + lane]:R}) = {actual[lane]:R}, portable {expected[lane]:R}");
        }
    }

    /// <summary>The fused epilogue: the 512-bit loop, the 256-bit loop and the padded tail give each element the same bits.</summary>
    [Theory]
    [InlineData(1)] [InlineData(7)] [InlineData(8)] [InlineData(15)] [InlineData(16)] [InlineData(17)] [InlineData(31)] [InlineData(1024)] [InlineData(1029)]
    public void BiasGeluGivesEveryElementTheSameBits(int count)
    {
        var random = new Random(count);
        var row = new float[count];
        var bias = new float[count];
        for (int i = 0; i < count; i++) { row[i] = (float)(random.NextDouble() * 16 - 8); bias[i] = (float)(random.NextDouble() - 0.5); }
        var actual = (float[])row.Clone();
        unsafe
        {
            fixed (float* r = actual, b = bias) ActivationKernels.BiasActivate(r, b, count, Activation.Gelu);
        }
        for (int i = 0; i < count; i++)
        {
            float expected = VectorMath.Gelu(row[i] + bias[i]);
            Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(actual[i]),
                $"element {i} of {count}: {actual[i]:R}, expected {expected:R}");
        }
    }
}
