using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Electra.Core.Backend;

namespace Electra.Cpu.Kernels;

/// <summary>
/// Element-wise activations and the fused "add bias, then activate" epilogue of the GEMM, vectorised with
/// <see cref="Vector256{T}"/>. Tails shorter than a vector go through a padded vector so that every element is
/// computed by the same code regardless of its position.
/// </summary>
public static unsafe class ActivationKernels
{
    /// <summary>row[i] = act(row[i] + bias[i]) for i &lt; count; <paramref name="bias"/> may be null.</summary>
    public static void BiasActivate(float* row, float* bias, int count, Activation activation)
    {
        // The common activations get their own loop without a per-vector switch, which also lets the JIT keep
        // everything in registers (the switch made it spill the result and the loop counter to the stack).
        // The loops are never inlined here (NoInlining): this dispatcher is tiered, and where its profile saw GELU
        // calls, tier 1 inlined the 512-bit GELU loop into it and kept the coefficient tables on the stack (37 zmm
        // stack accesses per 16 lanes), which made the int8 32 × 128 forward 35% slower in 3 processes of 8. Compiled
        // on their own (AggressiveOptimization) the loops are the same code in every process.
        switch (activation)
        {
            case Activation.Identity: if (bias != null) BiasActivate<IdentityOp>(row, bias, count); break;
            case Activation.Gelu:
                switch (GeluPath)
                {
                    case GeluVariant.Rational: BiasActivate<GeluRationalOp>(row, bias, count); break;
                    case GeluVariant.Pieces256: BiasActivate<GeluOp>(row, bias, count); break;
                    default: BiasGelu(row, bias, count); break;
                }
                break;
            default: BiasActivateAny(row, bias, count, activation); break;
        }
    }

    interface IVectorOp { static abstract Vector256<float> Apply(Vector256<float> x); }
    readonly struct IdentityOp : IVectorOp { public static Vector256<float> Apply(Vector256<float> x) => x; }
    readonly struct GeluOp : IVectorOp
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Apply(Vector256<float> x) => VectorMath.Gelu(x);
    }

    internal enum GeluVariant { Rational, Pieces256, Pieces512 }
    /// <summary>Only for the gelu benchmark, which times the variants side by side in one process: the rational fit
    /// (on AVX-512 CPUs too), the pieces without the 512-bit loop, and the default.</summary>
    internal static GeluVariant GeluPath = GeluVariant.Pieces512;
    readonly struct GeluRationalOp : IVectorOp
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Apply(Vector256<float> x) => VectorMath.GeluRational(x);
    }

    /// <summary>
    /// The FFN's fused epilogue: 16 lanes at a time where AVX-512 is there (half the instructions to issue for the same
    /// arithmetic, and a single-register permute reads the 16-entry coefficient tables), then the 256-bit loop and its
    /// padded tail, which give the same bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    static void BiasGelu(float* row, float* bias, int count)
    {
        int i = 0;
        if (GeluLookupAvx512.IsSupported)
        {
            if (bias != null)
                for (; i + 16 <= count; i += 16)
                    Vector512.Store(VectorMath.Gelu(Vector512.Load(row + i) + Vector512.Load(bias + i)), row + i);
            else
                for (; i + 16 <= count; i += 16)
                    Vector512.Store(VectorMath.Gelu(Vector512.Load(row + i)), row + i);
        }
        if (i < count) BiasActivate<GeluOp>(row + i, bias == null ? null : bias + i, count - i);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    static void BiasActivate<TOp>(float* row, float* bias, int count) where TOp : IVectorOp
    {
        int i = 0;
        if (bias != null)
            for (; i + 8 <= count; i += 8)
                Vector256.Store(TOp.Apply(Vector256.Load(row + i) + Vector256.Load(bias + i)), row + i);
        else
            for (; i + 8 <= count; i += 8)
                Vector256.Store(TOp.Apply(Vector256.Load(row + i)), row + i);
        if (i < count)
        {
            var tail = LoadTail(row + i, bias == null ? null : bias + i, count - i);
            StoreTail(TOp.Apply(tail), row + i, count - i);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    static void BiasActivateAny(float* row, float* bias, int count, Activation activation)
    {
        int i = 0;
        for (; i + 8 <= count; i += 8)
        {
            var v = Vector256.Load(row + i);
            if (bias != null) v += Vector256.Load(bias + i);
            Vector256.Store(Apply(v, activation), row + i);
        }
        if (i < count)
        {
            var tail = LoadTail(row + i, bias == null ? null : bias + i, count - i);
            StoreTail(Apply(tail, activation), row + i, count - i);
        }
    }

    // Tails shorter than a vector go through a padded vector, so every element is computed by the same code.
    static Vector256<float> LoadTail(float* row, float* bias, int n)
    {
        var tail = stackalloc float[8];
        for (int j = 0; j < 8; j++) tail[j] = j < n ? row[j] + (bias == null ? 0f : bias[j]) : 0f;
        return Vector256.Load(tail);
    }

    static void StoreTail(Vector256<float> v, float* row, int n)
    {
        for (int j = 0; j < n; j++) row[j] = v.GetElement(j);
    }

    /// <summary>Applies <paramref name="activation"/> in place.</summary>
    public static void Activate(Span<float> values, Activation activation)
    {
        fixed (float* p = values) BiasActivate(p, null, values.Length, activation);
    }

    /// <summary>Applies <paramref name="activation"/> to one vector.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Apply(Vector256<float> x, Activation activation) => activation switch
    {
        Activation.Identity => x,
        Activation.Gelu => VectorMath.Gelu(x),
        Activation.Relu => Vector256.Max(x, Vector256<float>.Zero),
        _ => ApplyRare(x, activation),
    };

    static Vector256<float> ApplyRare(Vector256<float> x, Activation activation) => activation switch
    {
        Activation.GeluTanh => GeluTanh(x),
        Activation.Silu => x * Sigmoid(x),
        Activation.Tanh => Tanh(x),
        Activation.Sigmoid => Sigmoid(x),
        Activation.QuickGelu => x * Sigmoid(x * Vector256.Create(1.702f)),
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "unknown activation"),
    };

    static Vector256<float> Sigmoid(Vector256<float> x) =>
        Vector256<float>.One / (Vector256<float>.One + VectorMath.Exp(-x));

    /// <summary>tanh with a Taylor series near 0 (where 1 − 2/(e^{2x}+1) would cancel) and the exp form elsewhere.</summary>
    static Vector256<float> Tanh(Vector256<float> x)
    {
        var a = Vector256.Abs(x);
        var x2 = x * x;
        // Taylor coefficients of tanh up to x^13; on |x| < 0.4 the first omitted term is below 1e-9 relative.
        var p = Vector256.Create(21844f / 6081075f);
        p = Vector256.FusedMultiplyAdd(p, -x2, Vector256.Create(1382f / 155925f));
        p = Vector256.FusedMultiplyAdd(p, -x2, Vector256.Create(62f / 2835f));
        p = Vector256.FusedMultiplyAdd(p, -x2, Vector256.Create(17f / 315f));
        p = Vector256.FusedMultiplyAdd(p, -x2, Vector256.Create(2f / 15f));
        p = Vector256.FusedMultiplyAdd(p, -x2, Vector256.Create(1f / 3f));
        var small = Vector256.FusedMultiplyAdd(-p * x2, x, x);

        var e = VectorMath.Exp(a + a);
        var large = Vector256<float>.One - Vector256.Create(2f) / (e + Vector256<float>.One);
        var signBit = Vector256.Create(-0f);
        large = large | (x & signBit);
        return Vector256.ConditionalSelect(Vector256.LessThan(a, Vector256.Create(0.4f)), small, large);
    }

    static Vector256<float> GeluTanh(Vector256<float> x)
    {
        var inner = Vector256.Create(0.7978845608028654f) * (x + Vector256.Create(0.044715f) * x * x * x);
        return Vector256.Create(0.5f) * x * (Vector256<float>.One + Tanh(inner));
    }
}
