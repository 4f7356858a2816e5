using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Electra.Cpu.Kernels;

/// <summary>
/// A register-blocked GEMM microkernel: C[MR×NR] (+)= A[MR×kc] · B[kc×NR], with A rows read in place
/// (row stride lda) and B a packed panel ([kc][NR], contiguous). Rows past <c>rows</c> reuse the last valid row;
/// partial tiles go through a stack tile so that only valid rows and columns are written.
/// </summary>
internal interface IMicroKernel
{
    static abstract int MR { get; }
    static abstract int NR { get; }
    static abstract unsafe void Run(float* a, nint lda, int rows, float* b, int kc, float* c, nint ldc, int cols, bool accumulate);
}

internal static unsafe class PartialTile
{
    /// <summary>Runs a full-size kernel on a stack tile and copies back the valid rows × cols.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Run<TKernel>(float* a, nint lda, int rows, float* b, int kc, float* c, nint ldc, int cols,
        bool accumulate, delegate*<float*, nint, int, float*, int, float*, nint, bool, void> full)
        where TKernel : IMicroKernel
    {
        int nr = TKernel.NR;
        float* tile = stackalloc float[TKernel.MR * TKernel.NR];
        new Span<float>(tile, TKernel.MR * nr).Clear();
        if (accumulate)
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < cols; j++) tile[i * nr + j] = c[i * ldc + j];
        full(a, lda, rows, b, kc, tile, nr, accumulate);
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) c[i * ldc + j] = tile[i * nr + j];
    }
}

/// <summary>AVX2 + FMA: 6 rows × 16 columns = 12 ymm accumulators, 2 panel loads and 6 broadcasts per k.</summary>
internal readonly struct Avx2Kernel : IMicroKernel
{
    public const int MR = 6, NR = 16;
    static int IMicroKernel.MR => MR;
    static int IMicroKernel.NR => NR;

    public static unsafe void Run(float* a, nint lda, int rows, float* b, int kc, float* c, nint ldc, int cols, bool accumulate)
    {
        if (rows == MR && cols == NR) Full(a, lda, rows, b, kc, c, ldc, accumulate);
        else if (rows <= 4 && cols == NR) UpToFour(a, lda, rows, b, kc, c, ldc, accumulate);
        else PartialTile.Run<Avx2Kernel>(a, lda, rows, b, kc, c, ldc, cols, accumulate, &Full);
    }

    /// <summary>
    /// The last 1–4 rows of a block (128 rows are 21 × 6 + 2; a 15-token text 6 + 6 + 3): 8 accumulators instead of
    /// 12, written in place, where the full kernel would compute 6 rows into a stack tile and copy them out. Each row
    /// is accumulated exactly as <see cref="Full"/> accumulates it (the same FMAs in the same order), so a row's result
    /// does not depend on which rows share its block.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static unsafe void UpToFour(float* a, nint lda, int rows, float* b, int kc, float* c, nint ldc, bool accumulate)
    {
        float* a0 = a;
        float* a1 = a + lda * Math.Min(1, rows - 1);
        float* a2 = a + lda * Math.Min(2, rows - 1);
        float* a3 = a + lda * Math.Min(3, rows - 1);
        Vector256<float> c00, c01, c10, c11, c20, c21, c30, c31;
        c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = Vector256<float>.Zero;
        if (accumulate)
        {
            // Only the valid rows of C exist; the others start from zero and are never stored.
            c00 = Vector256.Load(c); c01 = Vector256.Load(c + 8);
            if (rows > 1) { c10 = Vector256.Load(c + ldc); c11 = Vector256.Load(c + ldc + 8); }
            if (rows > 2) { c20 = Vector256.Load(c + 2 * ldc); c21 = Vector256.Load(c + 2 * ldc + 8); }
            if (rows > 3) { c30 = Vector256.Load(c + 3 * ldc); c31 = Vector256.Load(c + 3 * ldc + 8); }
        }
        for (int k = 0; k < kc; k++)
        {
            var b0 = Vector256.LoadAligned(b);
            var b1 = Vector256.LoadAligned(b + 8);
            b += NR;
            var x = Vector256.Create(a0[k]);
            c00 = Vector256.FusedMultiplyAdd(x, b0, c00); c01 = Vector256.FusedMultiplyAdd(x, b1, c01);
            x = Vector256.Create(a1[k]);
            c10 = Vector256.FusedMultiplyAdd(x, b0, c10); c11 = Vector256.FusedMultiplyAdd(x, b1, c11);
            x = Vector256.Create(a2[k]);
            c20 = Vector256.FusedMultiplyAdd(x, b0, c20); c21 = Vector256.FusedMultiplyAdd(x, b1, c21);
            x = Vector256.Create(a3[k]);
            c30 = Vector256.FusedMultiplyAdd(x, b0, c30); c31 = Vector256.FusedMultiplyAdd(x, b1, c31);
        }
        Vector256.Store(c00, c); Vector256.Store(c01, c + 8);
        if (rows > 1) { Vector256.Store(c10, c + ldc); Vector256.Store(c11, c + ldc + 8); }
        if (rows > 2) { Vector256.Store(c20, c + 2 * ldc); Vector256.Store(c21, c + 2 * ldc + 8); }
        if (rows > 3) { Vector256.Store(c30, c + 3 * ldc); Vector256.Store(c31, c + 3 * ldc + 8); }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static unsafe void Full(float* a, nint lda, int rows, float* b, int kc, float* c, nint ldc, bool accumulate)
    {
        float* a0 = a;
        float* a1 = a + lda * Math.Min(1, rows - 1);
        float* a2 = a + lda * Math.Min(2, rows - 1);
        float* a3 = a + lda * Math.Min(3, rows - 1);
        float* a4 = a + lda * Math.Min(4, rows - 1);
        float* a5 = a + lda * Math.Min(5, rows - 1);
        Vector256<float> c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
        if (accumulate)
        {
            c00 = Vector256.Load(c); c01 = Vector256.Load(c + 8);
            c10 = Vector256.Load(c + ldc); c11 = Vector256.Load(c + ldc + 8);
            c20 = Vector256.Load(c + 2 * ldc); c21 = Vector256.Load(c + 2 * ldc + 8);
            c30 = Vector256.Load(c + 3 * ldc); c31 = Vector256.Load(c + 3 * ldc + 8);
            c40 = Vector256.Load(c + 4 * ldc); c41 = Vector256.Load(c + 4 * ldc + 8);
            c50 = Vector256.Load(c + 5 * ldc); c51 = Vector256.Load(c + 5 * ldc + 8);
        }
        else
        {
            c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = c50 = c51 = Vector256<float>.Zero;
        }
        for (int k = 0; k < kc; k++)
        {
            var b0 = Vector256.LoadAligned(b);
            var b1 = Vector256.LoadAligned(b + 8);
            b += NR;
            var x = Vector256.Create(a0[k]);
            c00 = Vector256.FusedMultiplyAdd(x, b0, c00); c01 = Vector256.FusedMultiplyAdd(x, b1, c01);
            x = Vector256.Create(a1[k]);
            c10 = Vector256.FusedMultiplyAdd(x, b0, c10); c11 = Vector256.FusedMultiplyAdd(x, b1, c11);
            x = Vector256.Create(a2[k]);
            c20 = Vector256.FusedMultiplyAdd(x, b0, c20); c21 = Vector256.FusedMultiplyAdd(x, b1, c21);
            x = Vector256.Create(a3[k]);
            c30 = Vector256.FusedMultiplyAdd(x, b0, c30); c31 = Vector256.FusedMultiplyAdd(x, b1, c31);
            x = Vector256.Create(a4[k]);
            c40 = Vector256.FusedMultiplyAdd(x, b0, c40); c41 = Vector256.FusedMultiplyAdd(x, b1, c41);
            x = Vector256.Create(a5[k]);
            c50 = Vector256.FusedMultiplyAdd(x, b0, c50); c51 = Vector256.FusedMultiplyAdd(x, b1, c51);
        }
        Vector256.Store(c00, c); Vector256.Store(c01, c + 8);
        Vector256.Store(c10, c + ldc); Vector256.Store(c11, c + ldc + 8);
        Vector256.Store(c20, c + 2 * ldc); Vector256.Store(c21, c + 2 * ldc + 8);
        Vector256.Store(c30, c + 3 * ldc); Vector256.Store(c31, c + 3 * ldc + 8);
        Vector256.Store(c40, c + 4 * ldc); Vector256.Store(c41, c + 4 * ldc + 8);
        Vector256.Store(c50, c + 5 * ldc); Vector256.Store(c51, c + 5 * ldc + 8);
    }
}

/// <summary>
/// AVX-512F: 8 rows × 32 columns = 16 zmm accumulators, 2 panel loads and 8 broadcasts per k (of the 32 zmm registers
/// that AVX-512 has). 8 rather than 6 rows: a short text's 128 rows are then 16 whole blocks, 8 per thread, where 6 rows
/// made each thread compute 66 rows, the last 2 through a stack tile; and each panel load feeds 16 FMAs instead of 12
/// (the GEMMs of a 1 × 128 forward, per thread on cold weights: 4–6% more GFLOP per CPU-second on Zen 4).
/// </summary>
internal readonly struct Avx512Kernel : IMicroKernel
{
    public const int MR = 8, NR = 32;
    static int IMicroKernel.MR => MR;
    static int IMicroKernel.NR => NR;

    public static unsafe void Run(float* a, nint lda, int rows, float* b, int kc, float* c, nint ldc, int cols, bool accumulate)
    {
        if (rows == MR && cols == NR) Full(a, lda, rows, b, kc, c, ldc, accumulate);
        else PartialTile.Run<Avx512Kernel>(a, lda, rows, b, kc, c, ldc, cols, accumulate, &Full);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static unsafe void Full(float* a, nint lda, int rows, float* b, int kc, float* c, nint ldc, bool accumulate)
    {
        float* a0 = a;
        float* a1 = a + lda * Math.Min(1, rows - 1);
        float* a2 = a + lda * Math.Min(2, rows - 1);
        float* a3 = a + lda * Math.Min(3, rows - 1);
        float* a4 = a + lda * Math.Min(4, rows - 1);
        float* a5 = a + lda * Math.Min(5, rows - 1);
        float* a6 = a + lda * Math.Min(6, rows - 1);
        float* a7 = a + lda * Math.Min(7, rows - 1);
        Vector512<float> c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71;
        if (accumulate)
        {
            c00 = Vector512.Load(c); c01 = Vector512.Load(c + 16);
            c10 = Vector512.Load(c + ldc); c11 = Vector512.Load(c + ldc + 16);
            c20 = Vector512.Load(c + 2 * ldc); c21 = Vector512.Load(c + 2 * ldc + 16);
            c30 = Vector512.Load(c + 3 * ldc); c31 = Vector512.Load(c + 3 * ldc + 16);
            c40 = Vector512.Load(c + 4 * ldc); c41 = Vector512.Load(c + 4 * ldc + 16);
            c50 = Vector512.Load(c + 5 * ldc); c51 = Vector512.Load(c + 5 * ldc + 16);
            c60 = Vector512.Load(c + 6 * ldc); c61 = Vector512.Load(c + 6 * ldc + 16);
            c70 = Vector512.Load(c + 7 * ldc); c71 = Vector512.Load(c + 7 * ldc + 16);
        }
        else
        {
            c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = c50 = c51 = c60 = c61 = c70 = c71 = Vector512<float>.Zero;
        }
        for (int k = 0; k < kc; k++)
        {
            var b0 = Vector512.LoadAligned(b);
            var b1 = Vector512.LoadAligned(b + 16);
            b += NR;
            var x0 = Vector512.Create(a0[k]);
            c00 = Vector512.FusedMultiplyAdd(x0, b0, c00); c01 = Vector512.FusedMultiplyAdd(x0, b1, c01);
            var x1 = Vector512.Create(a1[k]);
            c10 = Vector512.FusedMultiplyAdd(x1, b0, c10); c11 = Vector512.FusedMultiplyAdd(x1, b1, c11);
            var x2 = Vector512.Create(a2[k]);
            c20 = Vector512.FusedMultiplyAdd(x2, b0, c20); c21 = Vector512.FusedMultiplyAdd(x2, b1, c21);
            var x3 = Vector512.Create(a3[k]);
            c30 = Vector512.FusedMultiplyAdd(x3, b0, c30); c31 = Vector512.FusedMultiplyAdd(x3, b1, c31);
            var x4 = Vector512.Create(a4[k]);
            c40 = Vector512.FusedMultiplyAdd(x4, b0, c40); c41 = Vector512.FusedMultiplyAdd(x4, b1, c41);
            var x5 = Vector512.Create(a5[k]);
            c50 = Vector512.FusedMultiplyAdd(x5, b0, c50); c51 = Vector512.FusedMultiplyAdd(x5, b1, c51);
            var x6 = Vector512.Create(a6[k]);
            c60 = Vector512.FusedMultiplyAdd(x6, b0, c60); c61 = Vector512.FusedMultiplyAdd(x6, b1, c61);
            var x7 = Vector512.Create(a7[k]);
            c70 = Vector512.FusedMultiplyAdd(x7, b0, c70); c71 = Vector512.FusedMultiplyAdd(x7, b1, c71);
        }
        Vector512.Store(c00, c); Vector512.Store(c01, c + 16);
        Vector512.Store(c10, c + ldc); Vector512.Store(c11, c + ldc + 16);
        Vector512.Store(c20, c + 2 * ldc); Vector512.Store(c21, c + 2 * ldc + 16);
        Vector512.Store(c30, c + 3 * ldc); Vector512.Store(c31, c + 3 * ldc + 16);
        Vector512.Store(c40, c + 4 * ldc); Vector512.Store(c41, c + 4 * ldc + 16);
        Vector512.Store(c50, c + 5 * ldc); Vector512.Store(c51, c + 5 * ldc + 16);
        Vector512.Store(c60, c + 6 * ldc); Vector512.Store(c61, c + 6 * ldc + 16);
        Vector512.Store(c70, c + 7 * ldc); Vector512.Store(c71, c + 7 * ldc + 16);
    }
}

/// <summary>Portable <see cref="Vector{T}"/> kernel: 4 rows × 2 vectors.</summary>
internal readonly struct PortableKernel : IMicroKernel
{
    public const int MR = 4;
    public static int NR => 2 * Vector<float>.Count;
    static int IMicroKernel.MR => MR;
    static int IMicroKernel.NR => NR;

    public static unsafe void Run(float* a, nint lda, int rows, float* b, int kc, float* c, nint ldc, int cols, bool accumulate)
    {
        if (rows == MR && cols == NR) Full(a, lda, rows, b, kc, c, ldc, accumulate);
        else PartialTile.Run<PortableKernel>(a, lda, rows, b, kc, c, ldc, cols, accumulate, &Full);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static unsafe void Full(float* a, nint lda, int rows, float* b, int kc, float* c, nint ldc, bool accumulate)
    {
        int w = Vector<float>.Count;
        float* a0 = a;
        float* a1 = a + lda * Math.Min(1, rows - 1);
        float* a2 = a + lda * Math.Min(2, rows - 1);
        float* a3 = a + lda * Math.Min(3, rows - 1);
        Vector<float> c00, c01, c10, c11, c20, c21, c30, c31;
        if (accumulate)
        {
            c00 = Vector.Load(c); c01 = Vector.Load(c + w);
            c10 = Vector.Load(c + ldc); c11 = Vector.Load(c + ldc + w);
            c20 = Vector.Load(c + 2 * ldc); c21 = Vector.Load(c + 2 * ldc + w);
            c30 = Vector.Load(c + 3 * ldc); c31 = Vector.Load(c + 3 * ldc + w);
        }
        else
        {
            c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = Vector<float>.Zero;
        }
        for (int k = 0; k < kc; k++)
        {
            var b0 = Vector.Load(b);
            var b1 = Vector.Load(b + w);
            b += 2 * w;
            var x = new Vector<float>(a0[k]);
            c00 = Vector.FusedMultiplyAdd(x, b0, c00); c01 = Vector.FusedMultiplyAdd(x, b1, c01);
            x = new Vector<float>(a1[k]);
            c10 = Vector.FusedMultiplyAdd(x, b0, c10); c11 = Vector.FusedMultiplyAdd(x, b1, c11);
            x = new Vector<float>(a2[k]);
            c20 = Vector.FusedMultiplyAdd(x, b0, c20); c21 = Vector.FusedMultiplyAdd(x, b1, c21);
            x = new Vector<float>(a3[k]);
            c30 = Vector.FusedMultiplyAdd(x, b0, c30); c31 = Vector.FusedMultiplyAdd(x, b1, c31);
        }
        Vector.Store(c00, c); Vector.Store(c01, c + w);
        Vector.Store(c10, c + ldc); Vector.Store(c11, c + ldc + w);
        Vector.Store(c20, c + 2 * ldc); Vector.Store(c21, c + 2 * ldc + w);
        Vector.Store(c30, c + 3 * ldc); Vector.Store(c31, c + 3 * ldc + w);
    }
}
