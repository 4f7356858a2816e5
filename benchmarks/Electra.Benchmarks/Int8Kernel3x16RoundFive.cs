using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Electra.Cpu.Kernels.Int8;

namespace Electra.Benchmarks;

/// <summary>
/// Round five's AVX2 3 × 16 kernel, kept for int8-probe's side by side: it takes |a| of every broadcast with
/// <c>vpabsb</c> (6 per pair of quads of a 3-row tile) where the kernel now reads the magnitudes the quantizer stored.
/// </summary>
internal readonly struct Int8Kernel3x16RoundFive : IInt8MicroKernel
{
    public const int MR = 3, NR = 16;
    static int IInt8MicroKernel.MR => MR;
    static int IInt8MicroKernel.NR => NR;

    public static unsafe void Run(byte* a, nint lda, int rows, sbyte* b, int quads, byte* splitPairs, float* c, nint ldc, int cols,
        in Int8Epilogue e)
    {
        if (rows == MR && cols == NR)
        {
            Full(a, lda, rows, b, quads, splitPairs, c, ldc, e);
            return;
        }
        float* tile = stackalloc float[MR * NR];
        Full(a, lda, rows, b, quads, splitPairs, tile, NR, e);
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) c[i * ldc + j] = tile[i * NR + j];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static unsafe void Full(byte* a, nint lda, int rows, sbyte* b, int quads, byte* splitPairs, float* c, nint ldc, in Int8Epilogue e)
    {
        int r1 = Math.Min(1, rows - 1), r2 = Math.Min(2, rows - 1);
        byte* a0 = a, a1 = a + lda * r1, a2 = a + lda * r2;
        Vector256<int> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        int q = 0;
        for (; q + 2 <= quads; q += 2, b += 128)
        {
            var w0 = Vector256.LoadAligned(b);
            var w1 = Vector256.LoadAligned(b + 32);
            var w2 = Vector256.LoadAligned(b + 64);
            var w3 = Vector256.LoadAligned(b + 96);
            int o = 4 * q;
            if (splitPairs != null && splitPairs[q >> 1] != 0)
            {
                Quad(ref c00, ref c01, a0 + o, w0, w1); Quad(ref c00, ref c01, a0 + o + 4, w2, w3);
                Quad(ref c10, ref c11, a1 + o, w0, w1); Quad(ref c10, ref c11, a1 + o + 4, w2, w3);
                Quad(ref c20, ref c21, a2 + o, w0, w1); Quad(ref c20, ref c21, a2 + o + 4, w2, w3);
            }
            else
            {
                Pair(ref c00, ref c01, a0 + o, w0, w1, w2, w3);
                Pair(ref c10, ref c11, a1 + o, w0, w1, w2, w3);
                Pair(ref c20, ref c21, a2 + o, w0, w1, w2, w3);
            }
        }
        if (q < quads)
        {
            var w0 = Vector256.LoadAligned(b);
            var w1 = Vector256.LoadAligned(b + 32);
            int o = 4 * q;
            Quad(ref c00, ref c01, a0 + o, w0, w1);
            Quad(ref c10, ref c11, a1 + o, w0, w1);
            Quad(ref c20, ref c21, a2 + o, w0, w1);
        }
        var sum0 = Vector256.Load(e.ColSum);
        var sum1 = Vector256.Load(e.ColSum + 8);
        var scale0 = Vector256.Load(e.ColScale);
        var scale1 = Vector256.Load(e.ColScale + 8);
        Store(c00, c01, e.RowOffset[0], e.RowScale[0], sum0, sum1, scale0, scale1, c);
        Store(c10, c11, e.RowOffset[r1], e.RowScale[r1], sum0, sum1, scale0, scale1, c + ldc);
        Store(c20, c21, e.RowOffset[r2], e.RowScale[r2], sum0, sum1, scale0, scale1, c + 2 * ldc);
    }

    /// <summary>One row, one quad, both column vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static unsafe void Quad(ref Vector256<int> c0, ref Vector256<int> c1, byte* a, Vector256<sbyte> w0, Vector256<sbyte> w1)
    {
        var x = Vector256.Create(*(int*)a).AsSByte();
        var mx = Avx2.Abs(x);
        c0 = Avx2Dot.Dot(c0, x, mx, w0);
        c1 = Avx2Dot.Dot(c1, x, mx, w1);
    }

    /// <summary>One row, two quads (w0, w1 of the first, w2, w3 of the second), both column vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static unsafe void Pair(ref Vector256<int> c0, ref Vector256<int> c1, byte* a,
        Vector256<sbyte> w0, Vector256<sbyte> w1, Vector256<sbyte> w2, Vector256<sbyte> w3)
    {
        var x = Vector256.Create(*(int*)a).AsSByte();
        var y = Vector256.Create(*(int*)(a + 4)).AsSByte();
        var mx = Avx2.Abs(x);
        var my = Avx2.Abs(y);
        c0 = Avx2Dot.Dot2(c0, x, mx, w0, y, my, w2);
        c1 = Avx2Dot.Dot2(c1, x, mx, w1, y, my, w3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static unsafe void Store(Vector256<int> acc0, Vector256<int> acc1, int offset, float rowScale,
        Vector256<int> sum0, Vector256<int> sum1, Vector256<float> scale0, Vector256<float> scale1, float* c)
    {
        var off = Vector256.Create(offset);
        var rs = Vector256.Create(rowScale);
        Vector256.Store(Vector256.ConvertToSingle(acc0 + off * sum0) * (rs * scale0), c);
        Vector256.Store(Vector256.ConvertToSingle(acc1 + off * sum1) * (rs * scale1), c + 8);
    }
}
