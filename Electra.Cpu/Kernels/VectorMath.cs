using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Electra.Cpu.Kernels;

/// <summary>
/// Float32 transcendental functions on <see cref="Vector256{T}"/> lanes, accurate to about one ulp, so the fused
/// epilogues can match torch's float32 results within rounding. Scalar callers go through the same code on a
/// padded vector so that every element of a row is computed identically.
/// </summary>
public static class VectorMath
{
    // Cody-Waite split of ln 2: the high part has trailing zero bits, so n·Ln2Hi is exact for |n| < 2^8.
    const float Ln2Hi = 0.693145751953125f;
    const float Ln2Lo = 1.42860682030941723212e-6f;
    const float Log2E = 1.44269504088896341f;

    /// <summary>e^x, relative error below 1 ulp on [-87, 88]; saturates to 0 below and +∞ above that range.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x)
    {
        x = Vector256.Min(Vector256.Max(x, Vector256.Create(-87.33654f)), Vector256.Create(88.72283f));
        var n = Vector256.Round(x * Vector256.Create(Log2E));
        var r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Hi), x);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Lo), r);
        var p = ExpPolynomial(r);
        // 2^n in two steps so that n = 128 (x near 88.7) does not overflow the exponent field.
        var ni = Vector256.ConvertToInt32Native(n);
        var half = ni >> 1;
        var s1 = ((half + Vector256.Create(127)) << 23).AsSingle();
        var s2 = ((ni - half + Vector256.Create(127)) << 23).AsSingle();
        return p * s1 * s2;
    }

    /// <summary>
    /// e^r on |r| ≤ ln2/2 by its Taylor series of degree 7 (relative error below 5e-9, 0.1 ulp), written as
    /// 1 + r·q(r) so that q's rounding is scaled down by |r| ≤ 0.35, with q by Estrin's scheme: half of Horner's
    /// dependency chain, which is what limits the fused GELU epilogue.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> ExpPolynomial(Vector256<float> r)
    {
        var r2 = r * r;
        var r4 = r2 * r2;
        var q01 = Vector256.FusedMultiplyAdd(r, Vector256.Create(0.5f), Vector256<float>.One);
        var q23 = Vector256.FusedMultiplyAdd(r, Vector256.Create(1f / 24f), Vector256.Create(1f / 6f));
        var q45 = Vector256.FusedMultiplyAdd(r, Vector256.Create(1f / 720f), Vector256.Create(1f / 120f));
        var q = Vector256.FusedMultiplyAdd(r4, Vector256.FusedMultiplyAdd(r2, Vector256.Create(1f / 5040f), q45),
            Vector256.FusedMultiplyAdd(r2, q23, q01));
        return Vector256.FusedMultiplyAdd(r, q, Vector256<float>.One);
    }

    /// <summary>
    /// e^x for x ≤ 0, a softmax's max-shifted scores: the same polynomial as <see cref="Exp(Vector256{float})"/>,
    /// but one clamp from below (one vmaxps instead of IEEE 754 Max and Min, eight instructions each) and 2^n in one
    /// step, since n ≥ −126 there. Below −87.34 it gives the smallest normal float, as Exp does. A NaN lane stays NaN
    /// (the clamp would lose it; a NaN score has to make its softmax row NaN). Positive x is outside its range.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ExpOfNonPositive(Vector256<float> x) =>
        Vector256.ConditionalSelect(Vector256.Equals(x, x),
            ExpOfModerateNegative(Vector256.MaxNative(x, Vector256.Create(-87.33654f))), x);

    /// <summary>
    /// e^x for x in [−87.33654, 0] (the erf tail, the softmax's clamped scores): <see cref="Exp(Vector256{float})"/>
    /// without saturation, and 2^n in one step, since n ≥ −126 keeps the exponent field normal.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> ExpOfModerateNegative(Vector256<float> x)
    {
        var n = Vector256.Round(x * Vector256.Create(Log2E));
        var r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Hi), x);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Lo), r);
        var p = ExpPolynomial(r);
        var scale = ((Vector256.ConvertToInt32Native(n) + Vector256.Create(127)) << 23).AsSingle();
        return p * scale;
    }

    /// <summary>
    /// <see cref="ExpOfNonPositive(Vector256{float})"/> on 16 lanes, the same bits lane by lane: on AVX-512 the softmax
    /// issues half the instructions for its exps, which is what limits it (Zen 4 executes each 512-bit operation as two
    /// 256-bit halves, so the arithmetic is the same). Two AVX-512 instructions take the place of six more:
    /// <list type="bullet">
    /// <item><c>vscalefps</c> gives p·2ⁿ rounded once, which is p times the float 2ⁿ (exact, since n ≥ −126): it replaces
    /// building 2ⁿ's bits (convert, add, shift) and the multiply.</item>
    /// <item><c>vmaxps</c> returns its second operand when either is NaN, so with the clamp first and x second a NaN lane
    /// stays NaN through the clamp, and so through every step after it; the compare and blend that kept it are gone.</item>
    /// </list>
    /// The softmax of a 128-key row takes 11% less time (<c>attention-products</c>: 4.88 → 4.35 µs per 128 rows).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ExpOfNonPositive(Vector512<float> x)
    {
        if (!Avx512F.IsSupported) return Vector512.Create(ExpOfNonPositive(x.GetLower()), ExpOfNonPositive(x.GetUpper()));
        // Not Vector512.MaxNative, whose operand order (and so which one a NaN gives) is the JIT's to choose.
        var clamped = Avx512F.Max(Vector512.Create(-87.33654f), x);
        var n = Vector512.Round(clamped * Vector512.Create(Log2E));
        var r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Hi), clamped);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Lo), r);
        var r2 = r * r;
        var r4 = r2 * r2;
        var q01 = Vector512.FusedMultiplyAdd(r, Vector512.Create(0.5f), Vector512<float>.One);
        var q23 = Vector512.FusedMultiplyAdd(r, Vector512.Create(1f / 24f), Vector512.Create(1f / 6f));
        var q45 = Vector512.FusedMultiplyAdd(r, Vector512.Create(1f / 720f), Vector512.Create(1f / 120f));
        var q = Vector512.FusedMultiplyAdd(r4, Vector512.FusedMultiplyAdd(r2, Vector512.Create(1f / 5040f), q45),
            Vector512.FusedMultiplyAdd(r2, q23, q01));
        var p = Vector512.FusedMultiplyAdd(r, q, Vector512<float>.One);
        return Avx512F.Scale(p, n);
    }

    // Minimax coefficients (exactly representable floats) of Arm's optimized-routines erff (max error 1.09 ulp), evaluated here with FMA.
    // |x| < 0.921875: erf(x) = x + x·P(x²).
    const float A0 = 0.12837915f, A1 = -0.37612486f, A2 = 0.112818025f,
        A3 = -0.026766734f, A4 = 0.004993396f, A5 = -0.00059910497f;
    // 0.921875 ≤ |x| < 4: erf(x) = 1 − exp(−(a + a·Q(a))), a = |x|.
    const float B0 = 0.12871751f, B1 = 0.6348467f, B2 = 0.10677785f,
        B3 = -0.02425456f, B4 = 0.0038839343f, B5 = -0.00038320868f, B6 = 1.7294893e-05f;

    /// <summary>The error function, max error about 1.1 ulp (both branches are evaluated and blended).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Erf(Vector256<float> x)
    {
        var a = Vector256.Abs(x);
        var x2 = x * x;

        var x4 = x2 * x2;
        // P(x²) by Estrin's scheme (shorter dependency chain than Horner).
        var p01 = Vector256.FusedMultiplyAdd(x2, Vector256.Create(A1), Vector256.Create(A0));
        var p23 = Vector256.FusedMultiplyAdd(x2, Vector256.Create(A3), Vector256.Create(A2));
        var p45 = Vector256.FusedMultiplyAdd(x2, Vector256.Create(A5), Vector256.Create(A4));
        var p = Vector256.FusedMultiplyAdd(x4, Vector256.FusedMultiplyAdd(x4, p45, p23), p01);
        var small = Vector256.FusedMultiplyAdd(p, x, x);

        // Past |x| = 4, erf(x) rounds to ±1 in float32; clamping there keeps −q within [−18.6, −0.9], where
        // e^−q needs neither saturation nor a two-step scale (fewer operations in the GELU epilogue).
        var ac = Vector256.Min(a, Vector256.Create(4f));
        var q = Vector256.FusedMultiplyAdd(Vector256.Create(B6), ac, Vector256.Create(B5));
        var u = Vector256.FusedMultiplyAdd(Vector256.Create(B4), ac, Vector256.Create(B3));
        q = Vector256.FusedMultiplyAdd(q, ac * ac, u);
        q = Vector256.FusedMultiplyAdd(q, ac, Vector256.Create(B2));
        q = Vector256.FusedMultiplyAdd(q, ac, Vector256.Create(B1));
        q = Vector256.FusedMultiplyAdd(q, ac, Vector256.Create(B0));
        q = Vector256.FusedMultiplyAdd(q, ac, ac);
        var large = Vector256<float>.One - ExpOfModerateNegative(-q);
        // Copy x's sign onto the (positive) magnitude.
        large |= x & Vector256.Create(-0f);

        var result = Vector256.ConditionalSelect(Vector256.LessThan(a, Vector256.Create(0.921875f)), small, large);
        // erf(±∞) = ±1 and erf(NaN) = NaN fall out of the blend: Exp saturates and NaN propagates.
        return result;
    }

    /// <summary>
    /// Exact GELU, x·Φ(x) = x·½·(1 + erf(x/√2)), to float32 rounding: the error is below 2.2e-7·|x| (under two ulps of
    /// 1, times |x|; measured over every float in [−20, 20]). With AVX-512, Φ is a degree-6 polynomial on each of 15
    /// pieces of the clamped range (<see cref="GeluPieces"/>) whose coefficients a register permute picks per lane: 9
    /// operations on the FMA pipes per vector where the rational fit needs 17 and a division (the fused GEMM epilogue
    /// pays them for every element of the FFN). Without AVX-512 a 16-entry lookup costs three shuffles per coefficient,
    /// which makes the pieces slower than the rational fit (<see cref="GeluRational(Vector256{float})"/>), so that one
    /// stays there. Both keep +∞ as +∞, NaN as NaN and −0 as −0. Far enough below 0 (−5.333 for the pieces, −5.657
    /// for the rational fit) both take Φ as 0, so the result is −0 there, as torch's ½·x·(1 + erf(x/√2)) is once erf
    /// rounds to −1 (x times the clamped Φ would be an error growing with |x|: −1.8e-6 at x = −31), and −∞ gives NaN
    /// (−∞·0), as in torch.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Gelu(Vector256<float> x) =>
        GeluLookupAvx512.IsSupported ? Gelu<GeluLookupAvx512>(x) : GeluRational(x);

    /// <summary><see cref="Gelu(Vector256{float})"/> with the coefficients looked up by <typeparamref name="TLookup"/>
    /// (every lookup returns the same floats, and the arithmetic is the same, so every path gives the same bits).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> Gelu<TLookup>(Vector256<float> x) where TLookup : IGeluLookup
    {
        // MaxNative/MinNative are one instruction each; a NaN lane may come out clamped, but x·Φ below keeps it NaN.
        var xc = Vector256.MinNative(Vector256.MaxNative(x, Vector256.Create(-GeluPieces.NegativeClamp)), Vector256.Create(GeluPieces.Clamp));
        // k = round(x·Scale) lands in t's low mantissa bits: they are the table index, and Magic − t is −k exactly.
        var t = Vector256.FusedMultiplyAdd(xc, Vector256.Create(GeluPieces.Scale), Vector256.Create(GeluPieces.Magic));
        var index = t.AsInt32();
        var r = Vector256.FusedMultiplyAdd(xc, Vector256.Create(GeluPieces.Scale), Vector256.Create(GeluPieces.Magic) - t);
        var p = TLookup.Lookup(6, index);
        p = Vector256.FusedMultiplyAdd(p, r, TLookup.Lookup(5, index));
        p = Vector256.FusedMultiplyAdd(p, r, TLookup.Lookup(4, index));
        p = Vector256.FusedMultiplyAdd(p, r, TLookup.Lookup(3, index));
        p = Vector256.FusedMultiplyAdd(p, r, TLookup.Lookup(2, index));
        p = Vector256.FusedMultiplyAdd(p, r, TLookup.Lookup(1, index));
        p = Vector256.FusedMultiplyAdd(p, r, TLookup.Lookup(0, index));
        return x * p;
    }

    /// <summary>
    /// <see cref="Gelu(Vector256{float})"/> on 16 lanes, the same operations lane by lane (so the same bits): one
    /// single-register permute (vpermps zmm reads four index bits) per coefficient, and half the instructions.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Gelu(Vector512<float> x)
    {
        if (!GeluLookupAvx512.IsSupported) return Vector512.Create(Gelu(x.GetLower()), Gelu(x.GetUpper()));
        var xc = Vector512.MinNative(Vector512.MaxNative(x, Vector512.Create(-GeluPieces.NegativeClamp)), Vector512.Create(GeluPieces.Clamp));
        var t = Vector512.FusedMultiplyAdd(xc, Vector512.Create(GeluPieces.Scale), Vector512.Create(GeluPieces.Magic));
        var index = t.AsInt32();
        var r = Vector512.FusedMultiplyAdd(xc, Vector512.Create(GeluPieces.Scale), Vector512.Create(GeluPieces.Magic) - t);
        var p = Avx512F.PermuteVar16x32(GeluPieces.Table(6), index);
        p = Vector512.FusedMultiplyAdd(p, r, Avx512F.PermuteVar16x32(GeluPieces.Table(5), index));
        p = Vector512.FusedMultiplyAdd(p, r, Avx512F.PermuteVar16x32(GeluPieces.Table(4), index));
        p = Vector512.FusedMultiplyAdd(p, r, Avx512F.PermuteVar16x32(GeluPieces.Table(3), index));
        p = Vector512.FusedMultiplyAdd(p, r, Avx512F.PermuteVar16x32(GeluPieces.Table(2), index));
        p = Vector512.FusedMultiplyAdd(p, r, Avx512F.PermuteVar16x32(GeluPieces.Table(1), index));
        p = Vector512.FusedMultiplyAdd(p, r, Avx512F.PermuteVar16x32(GeluPieces.Table(0), index));
        return x * p;
    }

    // Φ(x) − ½ = x·P(x²)/Q(x²) on |x| ≤ 4√2: a rational fit of the normal distribution function (weighted least squares
    // iterated towards minimax, in 30-digit arithmetic; the coefficients were rounded to float32 one at a time, the others
    // refit each time) with max error 1.9e-9, far below float32 rounding. Past 4√2, Φ is within 8e-9 of 0 or 1, so x is
    // clamped there. One division replaces erf's two branches and its exp.
    const float GP0 = 0.3989422917366028f, GP1 = 0.03247511014342308f, GP2 = 0.004825700540095568f,
        GP3 = 0.00017015988123603165f, GP4 = 8.820436050882563e-06f, GP5 = 5.790915480474723e-08f, GP6 = -8.818507035712742e-11f;
    const float GQ1 = 0.2480699121952057f, GQ2 = 0.028440754860639572f, GQ3 = 0.0019415615824982524f,
        GQ4 = 8.337249892065302e-05f, GQ5 = 2.1370465219661128e-06f;
    const float GeluClamp = 5.656854249f;

    /// <summary>
    /// The GELU of CPUs without AVX-512 (until round nine, of all CPUs; the gelu benchmark still compares it there):
    /// x·Φ(x) with Φ = ½ + x·P(x²)/Q(x²), error below 2.2e-7·|x| (measured over every float in [−20, 20]). It takes
    /// half the operations of going through <see cref="Erf(Vector256{float})"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> GeluRational(Vector256<float> x)
    {
        var xc = Vector256.Min(Vector256.Max(x, Vector256.Create(-GeluClamp)), Vector256.Create(GeluClamp));
        var t = xc * xc;
        var t2 = t * t;
        var t4 = t2 * t2;
        // P and Q by Estrin's scheme: shorter dependency chains than Horner's rule, and here also the more accurate
        // of the two (measured over every float in [−20, 20]).
        var p01 = Vector256.FusedMultiplyAdd(t, Vector256.Create(GP1), Vector256.Create(GP0));
        var p23 = Vector256.FusedMultiplyAdd(t, Vector256.Create(GP3), Vector256.Create(GP2));
        var p45 = Vector256.FusedMultiplyAdd(t, Vector256.Create(GP5), Vector256.Create(GP4));
        var p = Vector256.FusedMultiplyAdd(t4, Vector256.FusedMultiplyAdd(t2, Vector256.Create(GP6), p45),
            Vector256.FusedMultiplyAdd(t2, p23, p01));
        var q01 = Vector256.FusedMultiplyAdd(t, Vector256.Create(GQ1), Vector256<float>.One);
        var q23 = Vector256.FusedMultiplyAdd(t, Vector256.Create(GQ3), Vector256.Create(GQ2));
        var q45 = Vector256.FusedMultiplyAdd(t, Vector256.Create(GQ5), Vector256.Create(GQ4));
        var q = Vector256.FusedMultiplyAdd(t4, q45, Vector256.FusedMultiplyAdd(t2, q23, q01));
        var phi = Vector256.Create(0.5f) + xc * p / q;
        // Below the clamp Φ < 7.7e-9 is taken as 0 (−0 out, as torch gives), rather than Φ(−5.657) times a growing |x|.
        return x * Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256.Create(-GeluClamp)), Vector256<float>.Zero, phi);
    }

    /// <summary>Scalar e^x through the vector path (identical results to <see cref="Exp(Vector256{float})"/>).</summary>
    public static float Exp(float x) => Exp(Vector256.Create(x)).ToScalar();

    /// <summary>Scalar erf through the vector path.</summary>
    public static float Erf(float x) => Erf(Vector256.Create(x)).ToScalar();

    /// <summary>Scalar exact GELU through the vector path.</summary>
    public static float Gelu(float x) => Gelu(Vector256.Create(x)).ToScalar();
}
