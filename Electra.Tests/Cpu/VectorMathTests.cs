using Electra.Core.Backend;
using Electra.Cpu.Kernels;
using FsCheck;
using FsCheck.Xunit;
using Electra.Tests.Reference;
using System.Runtime.Intrinsics;

namespace Electra.Tests.Cpu;

public class VectorMathTests
{
    static double UlpError(float actual, double expected)
    {
        float e = (float)expected;
        double ulp = Math.Max(Math.Abs(MathF.BitIncrement(Math.Abs(e)) - Math.Abs(e)), float.Epsilon);
        return Math.Abs(actual - expected) / ulp;
    }

    [Fact]
    public void ReferenceErfMatchesKnownValues()
    {
        // Values from Abramowitz & Stegun table 7.1 / high-precision tables.
        Assert.Equal(0.8427007929497149, ReferenceErf.Erf(1), 15);
        Assert.Equal(0.1124629160182849, ReferenceErf.Erf(0.1), 15);
        Assert.Equal(0.9953222650189527, ReferenceErf.Erf(2), 15);
        Assert.Equal(0.9999779095030014, ReferenceErf.Erf(3), 15);
        Assert.Equal(-0.7421009647076605, ReferenceErf.Erf(-0.8), 15);
        Assert.Equal(0.9999999845827421, ReferenceErf.Erf(4), 15);
    }

    [Fact]
    public void ErfIsWithinTwoUlpsOnADenseSweep()
    {
        double worst = 0; float worstAt = 0;
        for (float x = -6f; x <= 6f; x += 1f / 1024)
        {
            double err = UlpError(VectorMath.Erf(x), ReferenceErf.Erf(x));
            if (err > worst) { worst = err; worstAt = x; }
        }
        Assert.True(worst <= 2.0, $"erf max error {worst:F2} ulp at x = {worstAt}");
    }

    [Fact]
    public void ExpIsWithinOneUlpOnADenseSweep()
    {
        double worst = 0; float worstAt = 0;
        for (float x = -87f; x <= 88.5f; x += 1f / 64)
        {
            double err = UlpError(VectorMath.Exp(x), Math.Exp(x));
            if (err > worst) { worst = err; worstAt = x; }
        }
        Assert.True(worst <= 1.0, $"exp max error {worst:F2} ulp at x = {worstAt}");
    }

    /// <summary>The softmax's exp: bit for bit Exp on [−87.5, 0] (Exp is the one with an accuracy bound), the
    /// smallest normal float below (as Exp), NaN kept.</summary>
    [Fact]
    public void ExpOfNonPositiveIsExpAndKeepsNaN()
    {
        for (float x = -87.5f; x <= 0f; x += 1f / 1024)
        {
            float actual = VectorMath.ExpOfNonPositive(Vector256.Create(x)).GetElement(3);
            Assert.True(BitConverter.SingleToInt32Bits(actual) == BitConverter.SingleToInt32Bits(VectorMath.Exp(x)),
                $"exp({x}) = {actual}, Exp gives {VectorMath.Exp(x)}");
        }
        var special = VectorMath.ExpOfNonPositive(Vector256.Create(
            float.NaN, float.NegativeInfinity, float.MinValue, -100f, -87.5f, -0f, 0f, -1e-30f));
        Assert.True(float.IsNaN(special[0]));
        for (int i = 1; i <= 4; i++) Assert.Equal(VectorMath.Exp(float.NegativeInfinity), special[i]);
        Assert.Equal(1f, special[5]);
        Assert.Equal(1f, special[6]);
        Assert.Equal(1f, special[7]);
    }

    /// <summary>The 512-bit softmax exp is the 256-bit one lane by lane, bit for bit, specials included.</summary>
    [Fact]
    public void ExpOfNonPositiveOn512BitsIsTheSameBits()
    {
        var specials = new[] { float.NaN, float.NegativeInfinity, float.MinValue, -100f, -87.5f, -87.33654f, -0f, 0f,
            -1e-30f, -float.Epsilon, -0.34657359f, -0.6931472f, -1f, -20f, -50f, -87f };
        var inputs = new List<float>(specials);
        for (float x = -90f; x <= 0f; x += 1f / 512) inputs.Add(x);
        while (inputs.Count % 16 != 0) inputs.Add(-1.5f);
        for (int i = 0; i < inputs.Count; i += 16)
        {
            var wide = VectorMath.ExpOfNonPositive(Vector512.Create(inputs.GetRange(i, 16).ToArray()));
            for (int lane = 0; lane < 16; lane++)
            {
                float expected = VectorMath.ExpOfNonPositive(Vector256.Create(inputs[i + lane])).ToScalar();
                Assert.True(BitConverter.SingleToInt32Bits(wide[lane]) == BitConverter.SingleToInt32Bits(expected),
                    $"exp({inputs[i + lane]}) = {wide[lane]} on 512 bits, {expected} on 256");
            }
        }
    }

    [Fact]
    public void ErfHandlesSpecialValues()
    {
        Assert.Equal(1f, VectorMath.Erf(float.PositiveInfinity));
        Assert.Equal(-1f, VectorMath.Erf(float.NegativeInfinity));
        Assert.Equal(0f, VectorMath.Erf(0f));
        Assert.True(float.IsNaN(VectorMath.Erf(float.NaN)));
    }

    [Property(MaxTest = 300)]
    public bool GeluMatchesDoubleReference(NormalFloat value)
    {
        // Activations in practice sit in [-20, 20]; scale FsCheck's floats into that band.
        float x = (float)Math.Clamp(value.Get, -1e6, 1e6) % 20f;
        double expected = ReferenceOps.Activate(x, Activation.Gelu);
        float actual = VectorMath.Gelu(x);
        return Math.Abs(actual - expected) <= 3e-7 * Math.Abs(x) + 1e-30;
    }

    [Theory]
    [InlineData(Activation.Identity)]
    [InlineData(Activation.Gelu)]
    [InlineData(Activation.GeluTanh)]
    [InlineData(Activation.Relu)]
    [InlineData(Activation.Silu)]
    [InlineData(Activation.Tanh)]
    [InlineData(Activation.Sigmoid)]
    [InlineData(Activation.QuickGelu)]
    public void EveryActivationMatchesDoubleReference(Activation activation)
    {
        var xs = new float[4001];
        for (int i = 0; i < xs.Length; i++) xs[i] = (i - 2000) / 100f; // [-20, 20], odd length exercises the tail
        var ys = (float[])xs.Clone();
        ActivationKernels.Activate(ys, activation);
        for (int i = 0; i < xs.Length; i++)
        {
            double expected = ReferenceOps.Activate(xs[i], activation);
            // GELU variants compute 1 + erf (or 1 + tanh), which cancels for negative x in torch as well: the
            // error there is bounded by |x|·ulp(1), not by the tiny result. Our GELU's Φ = ½ + x·P(x²)/Q(x²) cancels
            // the same way, and its evaluation error stays below two ulps of 1 (measured over every float in [−20, 20]).
            bool cancels = activation is Activation.Gelu or Activation.GeluTanh;
            double cancelUlps = activation is Activation.Gelu ? 2 : 1;
            // exp(z) in float inherits the rounding of z itself: relative error |z|·eps for the sigmoid family.
            bool expConditioned = activation is Activation.Silu or Activation.Sigmoid or Activation.QuickGelu;
            double relative = 4e-7 + (expConditioned ? 2 * 1.2e-7 * Math.Abs(xs[i]) : 0);
            double tolerance = relative * Math.Abs(expected) + (cancels ? cancelUlps * 1.2e-7 * Math.Abs(xs[i]) : 1e-37);
            Assert.True(Math.Abs(ys[i] - expected) <= tolerance,
                $"{activation}({xs[i]}) = {ys[i]}, expected {expected} (diff {Math.Abs(ys[i] - expected):E2})");
        }
    }
}
