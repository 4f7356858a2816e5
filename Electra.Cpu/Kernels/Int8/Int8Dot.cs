using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Electra.Cpu.Kernels.Int8;

/// <summary>
/// One step of an int8 dot product on 8 (or 16) int32 lanes: lane j gains Σ_{i&lt;4} a_i · w_{j,i}, where a is one
/// row's 4 activation bytes broadcast to every lane and w holds 4 weight bytes (int8) of column j per lane.
/// The microkernels are generic over this step, so each ISA's kernel is the same loop with a different step, and a
/// portable twin of a step (same semantics, shifts and multiplies) tests the loop and packing on any CPU.
/// </summary>
internal interface IDot256
{
    /// <summary>True when activation bytes are code − 128 (int8), false when they are DynamicQuantizeLinear's uint8 codes.</summary>
    static abstract bool SignedActivations { get; }
    static abstract Vector256<int> Dot(Vector256<int> acc, Vector256<sbyte> a, Vector256<sbyte> w);
    /// <summary>
    /// Two consecutive quads: Dot(Dot(acc, a0, w0), a1, w1). Exact for every ISA but <see cref="Avx2Dot"/>, whose
    /// bound the weight's packing checks (<see cref="Int8PackedWeight"/>: a pair it flags runs as two Dots).
    /// </summary>
    static abstract Vector256<int> Dot2(Vector256<int> acc, Vector256<sbyte> a0, Vector256<sbyte> w0, Vector256<sbyte> a1, Vector256<sbyte> w1);
}

/// <summary>The 512-bit counterpart of <see cref="IDot256"/>.</summary>
internal interface IDot512
{
    static abstract bool SignedActivations { get; }
    static abstract Vector512<int> Dot(Vector512<int> acc, Vector512<sbyte> a, Vector512<sbyte> w);
}

/// <summary>
/// AVX2. <c>vpmaddubsw</c> multiplies unsigned bytes by signed bytes and adds adjacent pairs into int16 with
/// saturation: with DynamicQuantizeLinear's uint8 activations (up to 255) and int8 weights (±127) a pair reaches
/// 2·255·127 = 64770 and saturates at 32767, a silently wrong sum (ONNX Runtime's AVX2 u8s8 kernel has this).
/// Here activations are stored as int8 (code − 128, in [−128, 127]) and the product is rewritten as
/// |a| · (sign(a)·w) (<c>vpabsb</c>, <c>vpsignb</c>): the unsigned operand is at most 128 and the signed one at most
/// 127 in magnitude (w is symmetric, so negating it never overflows), so a pair is at most 2·128·127 = 32512 &lt; 32767
/// and never saturates. <c>vpmaddwd</c> by 1 then widens the pairs to int32 exactly. The −128 shift is undone in the
/// epilogue with the weight's column sums. Test: Int8GemmTests.ExtremeValuesDoNotSaturate.
/// <para>
/// Zen 3 (and other CPUs without VNNI) issue one integer vector multiply per cycle, and <c>vpmaddubsw</c> +
/// <c>vpmaddwd</c> per 32 products is exactly the float FMA rate. <see cref="IDot256.Dot2"/> therefore adds the int16 pair sums
/// of two quads with <c>vpaddw</c> (wrapping, no multiply) before the one <c>vpmaddwd</c>: 3 multiplies per 64
/// products. Each int16 lane then sums 4 products |a|·(±w), at most 128 · Σ|w| in magnitude, so it is exact exactly
/// when the 4 weights of the lane have Σ|w| ≤ 255 (128 · 255 = 32640 ≤ 32767); the packing flags every pair of quads
/// of a panel where some lane exceeds that, and those run as two <see cref="IDot256.Dot"/>s.
/// Test: Int8GemmTests.PairedSumsAreExactAtTheBound.
/// </para>
/// </summary>
internal readonly struct Avx2Dot : IMagnitudeDot256
{
    public static bool SignedActivations => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Dot(Vector256<int> acc, Vector256<sbyte> a, Vector256<byte> m, Vector256<sbyte> w) =>
        Avx2.Add(acc, Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(m, Avx2.Sign(w, a)), Vector256.Create((short)1)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Dot2(Vector256<int> acc, Vector256<sbyte> a0, Vector256<byte> m0, Vector256<sbyte> w0,
        Vector256<sbyte> a1, Vector256<byte> m1, Vector256<sbyte> w1)
    {
        var pairs = Avx2.Add(Avx2.MultiplyAddAdjacent(m0, Avx2.Sign(w0, a0)), Avx2.MultiplyAddAdjacent(m1, Avx2.Sign(w1, a1)));
        return Avx2.Add(acc, Avx2.MultiplyAddAdjacent(pairs, Vector256.Create((short)1)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Dot(Vector256<int> acc, Vector256<sbyte> a, Vector256<sbyte> w)
    {
        var pairs = Avx2.MultiplyAddAdjacent(Avx2.Abs(a), Avx2.Sign(w, a));
        return Avx2.Add(acc, Avx2.MultiplyAddAdjacent(pairs, Vector256.Create((short)1)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Dot2(Vector256<int> acc, Vector256<sbyte> a0, Vector256<sbyte> w0, Vector256<sbyte> a1, Vector256<sbyte> w1)
    {
        var pairs = Avx2.Add(Avx2.MultiplyAddAdjacent(Avx2.Abs(a0), Avx2.Sign(w0, a0)),
            Avx2.MultiplyAddAdjacent(Avx2.Abs(a1), Avx2.Sign(w1, a1)));
        return Avx2.Add(acc, Avx2.MultiplyAddAdjacent(pairs, Vector256.Create((short)1)));
    }
}

/// <summary>AVX-VNNI: <c>vpdpbusd</c> sums the four u8·s8 products in int32 directly (no int16 stage, nothing saturates).</summary>
internal readonly struct AvxVnniDot : IDot256
{
    public static bool SignedActivations => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Dot(Vector256<int> acc, Vector256<sbyte> a, Vector256<sbyte> w) =>
        AvxVnni.MultiplyWideningAndAdd(acc, a.AsByte(), w);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Dot2(Vector256<int> acc, Vector256<sbyte> a0, Vector256<sbyte> w0, Vector256<sbyte> a1, Vector256<sbyte> w1) =>
        Dot(Dot(acc, a0, w0), a1, w1);
}

/// <summary>Portable u8·s8 step (the <see cref="Int8Isa.Portable"/> path and the twin of <see cref="AvxVnniDot"/>).</summary>
internal readonly struct PortableDot : IDot256
{
    public static bool SignedActivations => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Dot(Vector256<int> acc, Vector256<sbyte> a, Vector256<sbyte> w) =>
        SoftDot.Dot(acc, a.AsInt32(), w.AsInt32(), signedA: false);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Dot2(Vector256<int> acc, Vector256<sbyte> a0, Vector256<sbyte> w0, Vector256<sbyte> a1, Vector256<sbyte> w1) =>
        Dot(Dot(acc, a0, w0), a1, w1);
}

/// <summary>Portable s8·s8 step: the twin of <see cref="Avx2Dot"/> (same activation bytes, exact sums; the magnitude is not needed).</summary>
internal readonly struct PortableSignedDot : IMagnitudeDot256
{
    public static bool SignedActivations => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Dot(Vector256<int> acc, Vector256<sbyte> a, Vector256<byte> m, Vector256<sbyte> w) => Dot(acc, a, w);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Dot2(Vector256<int> acc, Vector256<sbyte> a0, Vector256<byte> m0, Vector256<sbyte> w0,
        Vector256<sbyte> a1, Vector256<byte> m1, Vector256<sbyte> w1) => Dot(Dot(acc, a0, w0), a1, w1);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Dot(Vector256<int> acc, Vector256<sbyte> a, Vector256<sbyte> w) =>
        SoftDot.Dot(acc, a.AsInt32(), w.AsInt32(), signedA: true);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Dot2(Vector256<int> acc, Vector256<sbyte> a0, Vector256<sbyte> w0, Vector256<sbyte> a1, Vector256<sbyte> w1) =>
        Dot(Dot(acc, a0, w0), a1, w1);
}

/// <summary>
/// AVX-512BW: the <see cref="Avx2Dot"/> scheme on 64 bytes. EVEX has no <c>vpsignb</c>; w is negated where a &lt; 0
/// (a = 0 contributes 0 through |a| = 0 whatever w becomes).
/// </summary>
internal readonly struct Avx512Dot : IDot512
{
    public static bool SignedActivations => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> Dot(Vector512<int> acc, Vector512<sbyte> a, Vector512<sbyte> w)
    {
        var signed = Vector512.ConditionalSelect(Vector512.LessThan(a, Vector512<sbyte>.Zero), -w, w);
        var pairs = Avx512BW.MultiplyAddAdjacent(Vector512.Abs(a).AsByte(), signed);
        return acc + Avx512BW.MultiplyAddAdjacent(pairs, Vector512.Create((short)1));
    }
}

/// <summary>Portable twin of <see cref="Avx512Dot"/> (signed activation bytes, exact sums).</summary>
internal readonly struct PortableSignedDot512 : IDot512
{
    public static bool SignedActivations => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> Dot(Vector512<int> acc, Vector512<sbyte> a, Vector512<sbyte> w) =>
        Vector512.Create(
            SoftDot.Dot(acc.GetLower(), a.GetLower().AsInt32(), w.GetLower().AsInt32(), signedA: true),
            SoftDot.Dot(acc.GetUpper(), a.GetUpper().AsInt32(), w.GetUpper().AsInt32(), signedA: true));
}

/// <summary>
/// Portable u8·s8 step on 512 bits: the twin of the generated <c>vpdpbusd zmm</c> code of <see cref="Int8Isa.Avx512Vnni"/>
/// (unsigned activation codes, exact sums), its reference in the self-check, and its stand-in on CPUs without it.
/// </summary>
internal readonly struct PortableDot512 : IDot512
{
    public static bool SignedActivations => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> Dot(Vector512<int> acc, Vector512<sbyte> a, Vector512<sbyte> w) =>
        Vector512.Create(
            SoftDot.Dot(acc.GetLower(), a.GetLower().AsInt32(), w.GetLower().AsInt32(), signedA: false),
            SoftDot.Dot(acc.GetUpper(), a.GetUpper().AsInt32(), w.GetUpper().AsInt32(), signedA: false));
}

/// <summary>The four byte products of each int32 lane, extracted with shifts: exact on any CPU.</summary>
internal static class SoftDot
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Dot(Vector256<int> acc, Vector256<int> a, Vector256<int> w, bool signedA)
    {
        for (int i = 0; i < 4; i++)
        {
            int up = 24 - 8 * i;
            var ai = signedA
                ? Vector256.ShiftRightArithmetic(Vector256.ShiftLeft(a, up), 24)
                : Vector256.ShiftRightLogical(Vector256.ShiftLeft(a, up), 24);
            var wi = Vector256.ShiftRightArithmetic(Vector256.ShiftLeft(w, up), 24);
            acc += ai * wi;
        }
        return acc;
    }
}
