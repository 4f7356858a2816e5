using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Electra.Cpu.Kernels.Int8;

/// <summary>
/// What turns a tile's int32 sums into floats: y[r, c] = (acc[r, c] + RowOffset[r] · ColSum[c]) · (RowScale[r] · ColScale[c])
/// + ColBias[c]. RowOffset undoes the activation's zero point (and the −128 of signed activation bytes), ColSum is
/// Σ_k w[c, k]. Row arrays start at the tile's first row, column arrays at the panel's first column.
/// </summary>
internal unsafe struct Int8Epilogue
{
    public int* RowOffset;
    public float* RowScale;
    public int* ColSum;
    public float* ColScale;
    /// <summary>
    /// The bias, added after the rescale while the sums are still in registers (the same float addition the separate
    /// bias pass made, so the same bits, without a pass over the block): a whole panel's width of columns
    /// (<see cref="Int8PackedWeight.ColumnBiases"/>), or null for none (kernels read <see cref="BiasOrNone"/>).
    /// </summary>
    public float* ColBias;
    /// <summary><see cref="ColBias"/>, or a panel of −0 for none: x + (−0) = x for every float a rescale produces.</summary>
    public readonly float* BiasOrNone => ColBias == null ? NoBias : ColBias;
    /// <summary>The widest panel (32 floats) of −0, for the life of the process.</summary>
    static readonly float* NoBias = NegativeZeros();

    static float* NegativeZeros()
    {
        var zeros = (float*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc(32 * sizeof(float), 64);
        new Span<float>(zeros, 32).Fill(-0f);
        return zeros;
    }
    /// <summary>Every row's offset and scale are the same (activations quantized per tensor); kernels may read row 0's.</summary>
    public bool UniformRows;
}

/// <summary>
/// An int8 register-blocked microkernel: C[MR×NR] = rescale(A[MR×4·quads] · B), A one byte per activation (row stride
/// lda; <see cref="Int8Kernel3x16{TDot}"/> also reads each byte's magnitude lda / 2 further), B a packed panel of
/// [quads][NR columns][4 bytes]. It runs the whole depth in registers (int32 sums do not
/// round, so there is nothing to gain from k-blocks) and writes floats; rows past <c>rows</c> reuse the last valid
/// row, and a partial tile goes through a stack tile so that only valid rows and columns are written.
/// <c>splitPairs</c>, when not null, holds one byte per pair of quads of the panel: non-zero where the pair must run
/// as two single steps (see <see cref="Avx2Dot"/>).
/// </summary>
internal interface IInt8MicroKernel
{
    static abstract int MR { get; }
    static abstract int NR { get; }
    /// <summary>
    /// True when <see cref="Run"/> takes any number of rows in one call (a strip), so the caller hands it the whole row
    /// range at once instead of MR rows at a time: worth it where a call costs more than an inlined loop step.
    /// </summary>
    static virtual bool RunsWholeStrips => false;
    static abstract unsafe void Run(byte* a, nint lda, int rows, sbyte* b, int quads, byte* splitPairs, float* c, nint ldc, int cols,
        in Int8Epilogue e);
}

/// <summary>4 rows × 16 columns of 256-bit vectors (8 int32 accumulators) around the dot step <typeparamref name="TDot"/>.</summary>
internal readonly struct Int8Kernel256<TDot> : IInt8MicroKernel where TDot : IDot256
{
    public const int MR = 4, NR = 16;
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
        int r1 = Math.Min(1, rows - 1), r2 = Math.Min(2, rows - 1), r3 = Math.Min(3, rows - 1);
        byte* a0 = a, a1 = a + lda * r1, a2 = a + lda * r2, a3 = a + lda * r3;
        Vector256<int> c00 = default, c01 = default, c10 = default, c11 = default,
            c20 = default, c21 = default, c30 = default, c31 = default;
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
                Quad(ref c30, ref c31, a3 + o, w0, w1); Quad(ref c30, ref c31, a3 + o + 4, w2, w3);
            }
            else
            {
                Pair(ref c00, ref c01, a0 + o, w0, w1, w2, w3);
                Pair(ref c10, ref c11, a1 + o, w0, w1, w2, w3);
                Pair(ref c20, ref c21, a2 + o, w0, w1, w2, w3);
                Pair(ref c30, ref c31, a3 + o, w0, w1, w2, w3);
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
            Quad(ref c30, ref c31, a3 + o, w0, w1);
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
        Store(c30, c31, e.RowOffset[r3], e.RowScale[r3], sum0, sum1, scale0, scale1, bias0, bias1, c + 3 * ldc);
    }

    /// <summary>One row, one quad, both column vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static unsafe void Quad(ref Vector256<int> c0, ref Vector256<int> c1, byte* a, Vector256<sbyte> w0, Vector256<sbyte> w1)
    {
        var x = Vector256.Create(*(int*)a).AsSByte();
        c0 = TDot.Dot(c0, x, w0);
        c1 = TDot.Dot(c1, x, w1);
    }

    /// <summary>One row, two quads (w0, w1 of the first, w2, w3 of the second), both column vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static unsafe void Pair(ref Vector256<int> c0, ref Vector256<int> c1, byte* a,
        Vector256<sbyte> w0, Vector256<sbyte> w1, Vector256<sbyte> w2, Vector256<sbyte> w3)
    {
        var x = Vector256.Create(*(int*)a).AsSByte();
        var y = Vector256.Create(*(int*)(a + 4)).AsSByte();
        c0 = TDot.Dot2(c0, x, w0, y, w2);
        c1 = TDot.Dot2(c1, x, w1, y, w3);
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

/// <summary>4 rows × 32 columns of 512-bit vectors around the dot step <typeparamref name="TDot"/> (one quad at a time).</summary>
internal readonly struct Int8Kernel512<TDot> : IInt8MicroKernel where TDot : IDot512
{
    public const int MR = 4, NR = 32;
    static int IInt8MicroKernel.MR => MR;
    static int IInt8MicroKernel.NR => NR;

    public static unsafe void Run(byte* a, nint lda, int rows, sbyte* b, int quads, byte* splitPairs, float* c, nint ldc, int cols,
        in Int8Epilogue e)
    {
        if (rows == MR && cols == NR)
        {
            Full(a, lda, rows, b, quads, c, ldc, e);
            return;
        }
        float* tile = stackalloc float[MR * NR];
        Full(a, lda, rows, b, quads, tile, NR, e);
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) c[i * ldc + j] = tile[i * NR + j];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static unsafe void Full(byte* a, nint lda, int rows, sbyte* b, int quads, float* c, nint ldc, in Int8Epilogue e)
    {
        int r1 = Math.Min(1, rows - 1), r2 = Math.Min(2, rows - 1), r3 = Math.Min(3, rows - 1);
        byte* a0 = a, a1 = a + lda * r1, a2 = a + lda * r2, a3 = a + lda * r3;
        Vector512<int> c00 = default, c01 = default, c10 = default, c11 = default,
            c20 = default, c21 = default, c30 = default, c31 = default;
        for (int q = 0; q < quads; q++)
        {
            var w0 = Vector512.LoadAligned(b);
            var w1 = Vector512.LoadAligned(b + 64);
            b += 128;
            int o = 4 * q;
            var x = Vector512.Create(*(int*)(a0 + o)).AsSByte();
            c00 = TDot.Dot(c00, x, w0); c01 = TDot.Dot(c01, x, w1);
            x = Vector512.Create(*(int*)(a1 + o)).AsSByte();
            c10 = TDot.Dot(c10, x, w0); c11 = TDot.Dot(c11, x, w1);
            x = Vector512.Create(*(int*)(a2 + o)).AsSByte();
            c20 = TDot.Dot(c20, x, w0); c21 = TDot.Dot(c21, x, w1);
            x = Vector512.Create(*(int*)(a3 + o)).AsSByte();
            c30 = TDot.Dot(c30, x, w0); c31 = TDot.Dot(c31, x, w1);
        }
        var sum0 = Vector512.Load(e.ColSum);
        var sum1 = Vector512.Load(e.ColSum + 16);
        var scale0 = Vector512.Load(e.ColScale);
        var scale1 = Vector512.Load(e.ColScale + 16);
        var bias0 = Vector512.Load(e.BiasOrNone);
        var bias1 = Vector512.Load(e.BiasOrNone + 16);
        Store(c00, c01, e.RowOffset[0], e.RowScale[0], sum0, sum1, scale0, scale1, bias0, bias1, c);
        Store(c10, c11, e.RowOffset[r1], e.RowScale[r1], sum0, sum1, scale0, scale1, bias0, bias1, c + ldc);
        Store(c20, c21, e.RowOffset[r2], e.RowScale[r2], sum0, sum1, scale0, scale1, bias0, bias1, c + 2 * ldc);
        Store(c30, c31, e.RowOffset[r3], e.RowScale[r3], sum0, sum1, scale0, scale1, bias0, bias1, c + 3 * ldc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static unsafe void Store(Vector512<int> acc0, Vector512<int> acc1, int offset, float rowScale,
        Vector512<int> sum0, Vector512<int> sum1, Vector512<float> scale0, Vector512<float> scale1,
        Vector512<float> bias0, Vector512<float> bias1, float* c)
    {
        var off = Vector512.Create(offset);
        var rs = Vector512.Create(rowScale);
        Vector512.Store(Vector512.ConvertToSingle(acc0 + off * sum0) * (rs * scale0) + bias0, c);
        Vector512.Store(Vector512.ConvertToSingle(acc1 + off * sum1) * (rs * scale1) + bias1, c + 16);
    }
}
