using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Electra.Cpu.Kernels.Int8;

/// <summary>
/// A dot step that reads signed activation bytes through their magnitudes (<see cref="Avx2Dot"/> and its twin): the
/// 3-row kernel hands it |a|, which the quantizer stored beside the codes, instead of each step taking it again.
/// </summary>
internal interface IMagnitudeDot256 : IDot256
{
    /// <summary><see cref="IDot256.Dot2"/> with m0 = |a0| and m1 = |a1| given.</summary>
    static abstract Vector256<int> Dot2(Vector256<int> acc, Vector256<sbyte> a0, Vector256<byte> m0, Vector256<sbyte> w0,
        Vector256<sbyte> a1, Vector256<byte> m1, Vector256<sbyte> w1);
    /// <summary><see cref="IDot256.Dot"/> with m = |a| given.</summary>
    static abstract Vector256<int> Dot(Vector256<int> acc, Vector256<sbyte> a, Vector256<byte> m, Vector256<sbyte> w);
}

/// <summary>
/// 3 rows × 16 columns of 256-bit vectors (6 int32 accumulators) for the sign-split AVX2 step. With 4 rows the 8
/// accumulators, 4 weight vectors, the broadcasts, their magnitudes and the int16 partial sums need more than the 16
/// ymm registers and the JIT spills three of them inside the loop; with 3 rows everything stays in registers and |a| is
/// taken once per broadcast (BENCHMARKS.md, "int8, round five").
/// </summary>
internal readonly struct Int8Kernel3x16<TDot> : IInt8MicroKernel where TDot : IMagnitudeDot256
{
    public const int MR = 3, NR = 16;
    static int IInt8MicroKernel.MR => MR;
    static int IInt8MicroKernel.NR => NR;

    public static unsafe void Run(byte* a, nint lda, int rows, sbyte* b, int quads, byte* splitPairs, float* c, nint ldc, int cols,
        in Int8Epilogue e)
    {
        // A panel without split pairs (nearly all of them) runs a loop without the per-pair test.
        if (rows == MR && cols == NR)
        {
            if (splitPairs == null) Full<NoSplits>(a, lda, rows, b, quads, null, c, ldc, e);
            else Full<Splits>(a, lda, rows, b, quads, splitPairs, c, ldc, e);
            return;
        }
        float* tile = stackalloc float[MR * NR];
        if (splitPairs == null) Full<NoSplits>(a, lda, rows, b, quads, null, tile, NR, e);
        else Full<Splits>(a, lda, rows, b, quads, splitPairs, tile, NR, e);
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) c[i * ldc + j] = tile[i * NR + j];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static unsafe void Full<TSplits>(byte* a, nint lda, int rows, sbyte* b, int quads, byte* splitPairs, float* c, nint ldc,
        in Int8Epilogue e) where TSplits : struct, ISplitPairs
    {
        int r1 = Math.Min(1, rows - 1), r2 = Math.Min(2, rows - 1);
        byte* a0 = a, a1 = a + lda * r1, a2 = a + lda * r2;
        nint mag = lda / 2;
        Vector256<int> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        int q = 0;
        for (; q + 2 <= quads; q += 2, b += 128)
        {
            var w0 = Vector256.LoadAligned(b);
            var w1 = Vector256.LoadAligned(b + 32);
            var w2 = Vector256.LoadAligned(b + 64);
            var w3 = Vector256.LoadAligned(b + 96);
            int o = 4 * q;
            if (TSplits.Any && splitPairs[q >> 1] != 0)
            {
                Quad(ref c00, ref c01, a0 + o, mag, w0, w1); Quad(ref c00, ref c01, a0 + o + 4, mag, w2, w3);
                Quad(ref c10, ref c11, a1 + o, mag, w0, w1); Quad(ref c10, ref c11, a1 + o + 4, mag, w2, w3);
                Quad(ref c20, ref c21, a2 + o, mag, w0, w1); Quad(ref c20, ref c21, a2 + o + 4, mag, w2, w3);
            }
            else
            {
                Pair(ref c00, ref c01, a0 + o, mag, w0, w1, w2, w3);
                Pair(ref c10, ref c11, a1 + o, mag, w0, w1, w2, w3);
                Pair(ref c20, ref c21, a2 + o, mag, w0, w1, w2, w3);
            }
        }
        if (q < quads)
        {
            var w0 = Vector256.LoadAligned(b);
            var w1 = Vector256.LoadAligned(b + 32);
            int o = 4 * q;
            Quad(ref c00, ref c01, a0 + o, mag, w0, w1);
            Quad(ref c10, ref c11, a1 + o, mag, w0, w1);
            Quad(ref c20, ref c21, a2 + o, mag, w0, w1);
        }
        var sum0 = Vector256.Load(e.ColSum);
        var sum1 = Vector256.Load(e.ColSum + 8);
        var scale0 = Vector256.Load(e.ColScale);
        var scale1 = Vector256.Load(e.ColScale + 8);
        var bias0 = Vector256.Load(e.BiasOrNone);
        var bias1 = Vector256.Load(e.BiasOrNone + 8);
        Store(c00, c01, e.RowOffset[0], e.RowScale[0], sum0, sum1, scale0, scale1, bias0, bias1, c);
        Store(c10, c11, e.RowOffset[r1], e.RowScale[r1], sum0, sum1, scale0, scale1, bias0, bias1, c + ldc);
        Store(c20, c21, e.RowOffset[r2], e.RowScale[r2], sum0, sum1, scale0, scale1, bias0, bias1, c + 2 * ldc);
    }

    /// <summary>One row, one quad, both column vectors; the quad's magnitudes are at a + mag.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static unsafe void Quad(ref Vector256<int> c0, ref Vector256<int> c1, byte* a, nint mag, Vector256<sbyte> w0, Vector256<sbyte> w1)
    {
        var x = Vector256.Create(*(int*)a).AsSByte();
        var mx = Vector256.Create(*(int*)(a + mag)).AsByte();
        c0 = TDot.Dot(c0, x, mx, w0);
        c1 = TDot.Dot(c1, x, mx, w1);
    }

    /// <summary>One row, two quads (w0, w1 of the first, w2, w3 of the second), both column vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static unsafe void Pair(ref Vector256<int> c0, ref Vector256<int> c1, byte* a, nint mag,
        Vector256<sbyte> w0, Vector256<sbyte> w1, Vector256<sbyte> w2, Vector256<sbyte> w3)
    {
        var x = Vector256.Create(*(int*)a).AsSByte();
        var y = Vector256.Create(*(int*)(a + 4)).AsSByte();
        var mx = Vector256.Create(*(int*)(a + mag)).AsByte();
        var my = Vector256.Create(*(int*)(a + mag + 4)).AsByte();
        c0 = TDot.Dot2(c0, x, mx, w0, y, my, w2);
        c1 = TDot.Dot2(c1, x, mx, w1, y, my, w3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static unsafe void Store(Vector256<int> acc0, Vector256<int> acc1, int offset, float rowScale,
        Vector256<int> sum0, Vector256<int> sum1, Vector256<float> scale0, Vector256<float> scale1,
        Vector256<float> bias0, Vector256<float> bias1, float* c)
    {
        var off = Vector256.Create(offset);
        var rs = Vector256.Create(rowScale);
        Vector256.Store(Vector256.ConvertToSingle(acc0 + off * sum0) * (rs * scale0) + bias0, c);
        Vector256.Store(Vector256.ConvertToSingle(acc1 + off * sum1) * (rs * scale1) + bias1, c + 8);
    }
}

/// <summary>Whether a panel has pairs of quads to split (a type argument, so each case gets its own loop).</summary>
internal interface ISplitPairs
{
    static abstract bool Any { get; }
}

internal readonly struct NoSplits : ISplitPairs
{
    public static bool Any => false;
}

internal readonly struct Splits : ISplitPairs
{
    public static bool Any => true;
}
