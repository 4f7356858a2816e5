using System.Runtime.InteropServices;

namespace Electra.Cpu.Kernels.Int8.Vnni;

/// <summary>
/// Runs freshly generated code once on a small GEMM before the process trusts it: every row count of the tile (13 rows:
/// one full 8-row block and a 5-row rest), a depth that takes both the unrolled and the one-quad loop, a partial
/// panel, and extreme bytes. It must equal the managed unsigned kernel bit for bit and write no column past the panel's,
/// both with an offset and a scale per row and with rows sharing them (the functions for activations per tensor), each
/// with a bias and without one.
/// </summary>
internal static unsafe class VnniSelfCheck
{
    const int Rows = 13, Quads = 9, Cols = 27, Nr = 32;

    /// <summary>Null when the code matches; otherwise where it differs.</summary>
    public static string? Mismatch(VnniKernel kernel)
    {
        var rng = new Random(20);
        int lda = Quads * 4 + 3;
        var a = new byte[Rows * lda];
        // Panels are 64-byte aligned (the managed kernel's aligned loads need it).
        var b = new Span<sbyte>(NativeMemory.AlignedAlloc(Quads * Nr * 4, 64), Quads * Nr * 4);
        try
        {
            rng.NextBytes(a);
            for (int i = 0; i < b.Length; i++) b[i] = (sbyte)rng.Next(-127, 128);
            for (int i = 0; i < lda; i++) a[i] = 255;          // row 0 at the top of uint8
            for (int i = 0; i < Quads * 4; i++) b[i * 4 % b.Length] = 127;
            return Compare(kernel, rng, lda, a, b, uniformRows: false, withBias: true)
                ?? Compare(kernel, rng, lda, a, b, uniformRows: true, withBias: true)
                ?? Compare(kernel, rng, lda, a, b, uniformRows: false, withBias: false)
                ?? Compare(kernel, rng, lda, a, b, uniformRows: true, withBias: false);
        }
        finally
        {
            fixed (sbyte* pb = b) NativeMemory.AlignedFree(pb);
        }
    }

    static string? Compare(VnniKernel kernel, Random rng, int lda, byte[] a, Span<sbyte> b, bool uniformRows, bool withBias)
    {
        var offsets = new int[Rows];
        var rowScales = new float[Rows];
        var sums = new int[Nr];
        var colScales = new float[Nr];
        for (int r = 0; r < Rows; r++) { offsets[r] = -rng.Next(256); rowScales[r] = (float)rng.NextDouble() + 0.01f; }
        if (uniformRows) { offsets.AsSpan().Fill(offsets[0]); rowScales.AsSpan().Fill(rowScales[0]); }
        for (int j = 0; j < Nr; j++) { sums[j] = rng.Next(-20000, 20000); colScales[j] = (float)rng.NextDouble() * 0.1f; }
        // A panel's biases; the columns past the panel's are −0, as Int8PackedWeight pads them.
        var bias = new float[Nr];
        for (int j = 0; j < Nr; j++) bias[j] = j < Cols ? (float)rng.NextDouble() * 4 - 2 : -0f;
        var expected = new float[Rows * Nr];
        var actual = new float[Rows * Nr];
        actual.AsSpan().Fill(float.NaN);
        fixed (byte* pa = a)
        fixed (sbyte* pb = b)
        fixed (int* po = offsets, ps = sums)
        fixed (float* prs = rowScales, pcs = colScales, pbias = bias, pe = expected, pc = actual)
        {
            for (int r = 0; r < Rows; r += 4)
            {
                var e = new Int8Epilogue { RowOffset = po + r, RowScale = prs + r, ColSum = ps, ColScale = pcs, ColBias = withBias ? pbias : null };
                Int8Kernel512<PortableDot512>.Run(pa + r * lda, lda, Math.Min(4, Rows - r), pb, Quads, null, pe + r * Nr, Nr, Cols, e);
            }
            var all = new Int8Epilogue { RowOffset = po, RowScale = prs, ColSum = ps, ColScale = pcs, ColBias = withBias ? pbias : null, UniformRows = uniformRows };
            kernel.RunStrip(Int8KernelVnni.Arguments(pa, lda, Rows, pb, Quads, pc, Nr, Cols, all));
        }
        for (int r = 0; r < Rows; r++)
            for (int j = 0; j < Nr; j++)
            {
                float want = j < Cols ? expected[r * Nr + j] : float.NaN, got = actual[r * Nr + j];
                if (BitConverter.SingleToInt32Bits(want) != BitConverter.SingleToInt32Bits(got))
                    return $"{(uniformRows ? "rows sharing one offset and scale" : "rows with their own offsets and scales")}, {(withBias ? "with" : "without")} bias, row {r}, column {j}: {got}, expected {want}";
            }
        return null;
    }
}
