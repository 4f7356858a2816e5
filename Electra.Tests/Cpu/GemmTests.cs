using Electra.Core.Backend;
using Electra.Core.Errors;
using Electra.Cpu.Kernels;
using FsCheck;
using FsCheck.Xunit;
using Electra.Tests.Reference;
using Electra.Tests.Support;

namespace Electra.Tests.Cpu;

public class GemmTests : IDisposable
{
    readonly WorkerPool _pool = new(2);
    public void Dispose() => _pool.Dispose();

    // Sizes that hit every edge: single row/column, below and above the register tile, not a multiple of any
    // vector width, and larger than one thread tile or k-block.
    static readonly int[] Special = [1, 7, 37, 129];

    static int PickSize(byte selector) => selector < 96 ? Special[selector % Special.Length] : 1 + selector % 150;

    // Rows also cross Gemm.SmallRows, where small batches split columns and larger ones split rows.
    static int PickRows(byte selector) => selector < 32 ? Gemm.SmallRows + 1 + selector * 7 : PickSize(selector);

    static readonly GemmIsa[] Isas = [GemmIsa.Portable, GemmIsa.Avx2, GemmIsa.Avx512];

    static void AssertMatches(float[] actual, double[] expected, double[] magnitude, string what)
    {
        for (int i = 0; i < actual.Length; i++)
        {
            // float32 accumulation of K products: error grows with Σ|x·w|, not with the (possibly cancelled) sum.
            double tolerance = 2e-6 * magnitude[i] + 1e-6 * Math.Abs(expected[i]) + 1e-30;
            if (!(Math.Abs(actual[i] - expected[i]) <= tolerance))
                Assert.Fail($"{what}: element {i} = {actual[i]}, expected {expected[i]} (diff {Math.Abs(actual[i] - expected[i]):E2}, tolerance {tolerance:E2})");
        }
    }

    [Property(MaxTest = 40)]
    public void GemmMatchesNaiveDoubleReference(byte mSel, byte nSel, byte kSel, int seed, bool withBias, bool threaded, byte isaSel, byte actSel)
    {
        int m = PickRows(mSel), n = PickSize(nSel), k = PickSize(kSel);
        var isa = Isas[isaSel % Isas.Length];
        var activation = (Activation)(actSel % 8);
        var rng = new Random(seed);
        var x = RandomFloats.Uniform(rng, m * k);
        var w = RandomFloats.Uniform(rng, n * k, 0.5f);
        var b = withBias ? RandomFloats.Uniform(rng, n) : null;

        var packed = PackedWeight.Pack(w, n, k, b, isa);
        var y = Gemm.Multiply(x, packed, activation, threaded ? _pool : null);

        var (expected, magnitude) = ReferenceOps.Linear(x, w, b, m, n, k, activation);
        AssertMatches(y, expected, magnitude, $"{isa} [{m}x{k}]·[{n}x{k}]ᵀ bias {withBias} {activation}");
    }

    /// <summary>
    /// Batch invariance at the kernel: every row of an M-row product is bitwise the row multiplied alone, whatever M,
    /// the tiling (column split up to <see cref="Gemm.SmallRows"/> rows, row tiles above), the block a row lands in
    /// (a full register block, or the last 1–5 rows) and the threads.
    /// </summary>
    [Property(MaxTest = 30)]
    public void EachRowIsBitwiseTheRowAlone(byte mSel, byte nSel, byte kSel, int seed, bool withBias, bool threaded, byte isaSel, byte actSel)
    {
        int m = PickRows(mSel), n = PickSize(nSel), k = PickSize(kSel);
        var isa = Isas[isaSel % Isas.Length];
        var activation = (Activation)(actSel % 8);
        var rng = new Random(seed);
        var x = RandomFloats.Uniform(rng, m * k);
        var packed = PackedWeight.Pack(RandomFloats.Uniform(rng, n * k, 0.5f), n, k, withBias ? RandomFloats.Uniform(rng, n) : null, isa);
        var y = Gemm.Multiply(x, packed, activation, threaded ? _pool : null);
        foreach (int r in new[] { 0, m / 2, m - 1 }.Concat(Enumerable.Range(Math.Max(0, m - 6), Math.Min(6, m))).Distinct())
        {
            var alone = Gemm.Multiply(x.AsSpan(r * k, k).ToArray(), packed, activation);
            for (int j = 0; j < n; j++)
                if (BitConverter.SingleToInt32Bits(y[r * n + j]) != BitConverter.SingleToInt32Bits(alone[j]))
                    Assert.Fail($"{isa} [{m}x{k}]·[{n}x{k}]ᵀ {activation}: row {r} column {j} is {y[r * n + j]} in the batch, {alone[j]} alone");
        }
    }

    [Property(MaxTest = 30)]
    public unsafe void MultiplyManyMatchesSeparateReferences(byte mSel, byte kSel, int seed, bool threaded, byte isaSel, byte countSel, byte n0, byte n1)
    {
        int m = PickRows(mSel), k = PickSize(kSel), count = 1 + countSel % Gemm.MaxWeights;
        var isa = Isas[isaSel % Isas.Length];
        var rng = new Random(seed);
        var x = RandomFloats.Uniform(rng, m * k);
        var widths = Enumerable.Range(0, count).Select(i => PickSize(i % 2 == 0 ? n0 : n1) + i).ToArray();
        var weights = widths.Select(n => RandomFloats.Uniform(rng, n * k, 0.5f)).ToArray();
        var biases = widths.Select((n, i) => i % 2 == 0 ? RandomFloats.Uniform(rng, n) : null).ToArray();
        var packed = widths.Select((n, i) => PackedWeight.Pack(weights[i], n, k, biases[i], isa)).ToArray();
        var outputs = widths.Select(n => new float[m * n]).ToArray();

        var handles = outputs.Select(o => System.Runtime.InteropServices.GCHandle.Alloc(o, System.Runtime.InteropServices.GCHandleType.Pinned)).ToArray();
        try
        {
            var pointers = handles.Select(h => h.AddrOfPinnedObject()).ToArray();
            fixed (float* px = x)
                Gemm.MultiplyMany(px, k, m, packed, pointers, threaded ? _pool : null);
        }
        finally
        {
            foreach (var h in handles) h.Free();
        }
        for (int i = 0; i < count; i++)
        {
            var (expected, magnitude) = ReferenceOps.Linear(x, weights[i], biases[i], m, widths[i], k, Activation.Identity);
            AssertMatches(outputs[i], expected, magnitude, $"{isa} output {i} of {count}: [{m}x{k}]·[{widths[i]}x{k}]ᵀ");
        }
    }

    [Theory]
    [InlineData(GemmIsa.Portable, 700)]
    [InlineData(GemmIsa.Avx2, 700)]
    [InlineData(GemmIsa.Avx512, 700)]
    [InlineData(GemmIsa.Avx2, 2100)]
    [InlineData(GemmIsa.Avx512, 2100)]
    public void DeepKSpansSeveralBlocksAndTiles(GemmIsa isa, int k)
    {
        // K = 700: three k-blocks of 16-float panels, one of 32-float panels; K = 2100: 9 and 3 blocks.
        // M = 150, N = 300 → several thread tiles in both directions.
        const int m = 150, n = 300;
        var rng = new Random(7);
        var x = RandomFloats.Uniform(rng, m * k);
        var w = RandomFloats.Uniform(rng, n * k, 0.1f);
        var b = RandomFloats.Uniform(rng, n);
        var y = Gemm.Multiply(x, PackedWeight.Pack(w, n, k, b, isa), Activation.Gelu, _pool);
        var (expected, magnitude) = ReferenceOps.Linear(x, w, b, m, n, k, Activation.Gelu);
        AssertMatches(y, expected, magnitude, $"{isa} deep");
    }

    /// <summary>
    /// Every row count of a register block and its remainders (1–17: partial blocks of the 4-, 6- and 8-row kernels), and
    /// a short text's 128 rows split between two threads (whole 8-row blocks each), with rows whose magnitudes span
    /// 2^-60 to 2^60 and exact zeros: each row's scale must reach only its own output row.
    /// </summary>
    [Theory]
    [InlineData(GemmIsa.Portable)]
    [InlineData(GemmIsa.Avx2)]
    [InlineData(GemmIsa.Avx512)]
    public void EveryBlockRemainderAndExtremeRowScales(GemmIsa isa)
    {
        const int n = 70, k = 45;
        var rng = new Random(11);
        var w = RandomFloats.Uniform(rng, n * k, 0.5f);
        var b = RandomFloats.Uniform(rng, n);
        var packed = PackedWeight.Pack(w, n, k, b, isa);
        foreach (int m in Enumerable.Range(1, 17).Concat([63, 64, 65, 127, 128, 129]))
        {
            var x = RandomFloats.Uniform(rng, m * k);
            for (int r = 0; r < m; r++)
            {
                float scale = r % 5 == 4 ? 0f : MathF.ScaleB(1f, (r * 37) % 121 - 60);
                for (int j = 0; j < k; j++) x[r * k + j] *= scale;
            }
            foreach (var pool in new[] { null, _pool })
            {
                var y = Gemm.Multiply(x, packed, Activation.Identity, pool);
                var (expected, magnitude) = ReferenceOps.Linear(x, w, b, m, n, k, Activation.Identity);
                AssertMatches(y, expected, magnitude, $"{isa} {m} rows, threaded {pool != null}");
            }
        }
    }

    [Fact]
    public void StridedInputAndOutputLeaveOtherColumnsAlone()
    {
        const int m = 13, n = 19, k = 23, ldx = 30, ldy = 25;
        var rng = new Random(3);
        var xWide = RandomFloats.Uniform(rng, m * ldx);
        var w = RandomFloats.Uniform(rng, n * k);
        var yWide = Enumerable.Repeat(42f, m * ldy).ToArray();
        var packed = PackedWeight.Pack(w, n, k);
        unsafe
        {
            fixed (float* px = xWide)
            fixed (float* py = yWide)
                Gemm.Multiply(px, ldx, m, packed, py, ldy);
        }
        var x = new float[m * k];
        for (int i = 0; i < m; i++) Array.Copy(xWide, i * ldx, x, i * k, k);
        var (expected, magnitude) = ReferenceOps.Linear(x, w, null, m, n, k, Activation.Identity);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
                Assert.True(Math.Abs(yWide[i * ldy + j] - expected[i * n + j]) <= 2e-6 * magnitude[i * n + j] + 1e-30);
            for (int j = n; j < ldy; j++) Assert.Equal(42f, yWide[i * ldy + j]);
        }
    }

    /// <summary>
    /// A weight with one output runs as one dot product per row (<c>Gemm.MultiplyColumn</c>): on every ISA's packing,
    /// row counts around its row tiles (one tile, several, with and without threads), depths around its 32- and 8-wide
    /// blocks, strided x and y (the other elements of y left alone), bias and activation; each row is also the row alone.
    /// </summary>
    [Property(MaxTest = 40)]
    public unsafe void OneOutputIsADotProductPerRow(byte mSel, byte kSel, int seed, bool withBias, bool threaded, byte isaSel, byte actSel)
    {
        int[] rowCounts = [1, 2, 7, Gemm.ColumnTileRows - 1, Gemm.ColumnTileRows, Gemm.ColumnTileRows + 1, 3 * Gemm.ColumnTileRows + 5];
        int[] depths = [1, 7, 8, 9, 31, 32, 33, 41, 256, 1000];
        int m = rowCounts[mSel % rowCounts.Length], k = depths[kSel % depths.Length], ldx = k + 3, ldy = 2;
        var isa = Isas[isaSel % Isas.Length];
        var activation = (Activation)(actSel % 8);
        var rng = new Random(seed);
        var xWide = RandomFloats.Uniform(rng, m * ldx);
        var w = RandomFloats.Uniform(rng, k, 0.5f);
        var b = withBias ? RandomFloats.Uniform(rng, 1) : null;
        var packed = PackedWeight.Pack(w, 1, k, b, isa);
        var yWide = Enumerable.Repeat(42f, m * ldy).ToArray();
        fixed (float* px = xWide)
        fixed (float* py = yWide)
            Gemm.Multiply(px, ldx, m, packed, py, ldy, activation, threaded ? _pool : null);

        var x = new float[m * k];
        for (int i = 0; i < m; i++) Array.Copy(xWide, i * ldx, x, i * k, k);
        var (expected, magnitude) = ReferenceOps.Linear(x, w, b, m, 1, k, activation);
        var y = Enumerable.Range(0, m).Select(i => yWide[i * ldy]).ToArray();
        AssertMatches(y, expected, magnitude, $"{isa} [{m}x{k}]·[1x{k}]ᵀ bias {withBias} {activation}");
        for (int i = 0; i < m; i++) Assert.Equal(42f, yWide[i * ldy + 1]);
        foreach (int r in new[] { 0, m / 2, m - 1 })
        {
            var alone = Gemm.Multiply(x.AsSpan(r * k, k).ToArray(), packed, activation);
            Assert.Equal(BitConverter.SingleToInt32Bits(alone[0]), BitConverter.SingleToInt32Bits(y[r]));
        }
    }

    [Fact]
    public void PackRejectsWrongSizes()
    {
        var e = Assert.Throws<WeightMismatchException>(() => PackedWeight.Pack(new float[10], 3, 4));
        Assert.Contains("[3, 4]", e.Message);
        var eb = Assert.Throws<WeightMismatchException>(() => PackedWeight.Pack(new float[12], 3, 4, new float[2]));
        Assert.Contains("bias", eb.Message);
    }

    [Fact]
    public void MultiplyRejectsMismatchedInput()
    {
        var packed = PackedWeight.Pack(new float[12], 3, 4);
        var e = Assert.Throws<InputException>(() => Gemm.Multiply(new float[10], packed));
        Assert.Contains("in_features 4", e.Message);
    }

    [Fact]
    public void BestIsaIsHardwareAccelerated()
    {
        // Documents what the benchmark machine runs; Portable is acceptable only where no x64 SIMD exists.
        var best = GemmIsaDetection.Best;
        if (System.Runtime.Intrinsics.X86.Fma.IsSupported) Assert.NotEqual(GemmIsa.Portable, best);
    }
}
