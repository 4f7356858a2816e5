using Electra.Core.Backend;
using Electra.Cpu;
using Electra.Cpu.Kernels;
using Electra.Cpu.Kernels.Int8;
using Electra.Models;
using Electra.Tests.Support;
using FsCheck.Xunit;

namespace Electra.Tests.Cpu;

/// <summary>
/// The fused self-attention (<see cref="SelfAttentionKernel"/>: the q, k, v projections and the attention per batch row
/// and group of heads) must give every bit of the projections followed by the attention: float32 and int8 (per tensor
/// with a known or measured range, per row, per-channel weights), every ISA, padded and causal rows, each grouping of
/// the heads, one thread or two; the int8 context's range too; and whole models with the fusion on and off. The tests
/// that switch <see cref="CpuForwardPass.FusesSelfAttention"/> live in this class only (either setting gives the same
/// bits, so other classes running meanwhile are unaffected).
/// </summary>
public class SelfAttentionFusionTests : IDisposable
{
    readonly WorkerPool _pool = new(2);
    public void Dispose() => _pool.Dispose();

    static readonly GemmIsa[] FloatIsas = [GemmIsa.Portable, GemmIsa.Avx2, GemmIsa.Avx512];
    static readonly Int8Isa[] Int8Isas = [Int8Isa.Portable, Int8Isa.Avx2, Int8Isa.AvxVnni, Int8Isa.Avx512, Int8Isa.Avx512Vnni];

    /// <summary>Random operands of one case: x [B·S, H], three weights [H, H] with biases, a mask with padding.</summary>
    sealed record Operands(float[] X, float[][] Weights, float[][] Biases, float[] Mask);

    static Operands Draw(int seed, int batch, int length, int hidden, bool padded)
    {
        var rng = new Random(seed);
        var x = RandomFloats.Uniform(rng, batch * length * hidden, 2f);
        var weights = Enumerable.Range(0, 3).Select(_ => RandomFloats.Uniform(rng, hidden * hidden, 0.3f)).ToArray();
        var biases = Enumerable.Range(0, 3).Select(_ => RandomFloats.Uniform(rng, hidden, 0.5f)).ToArray();
        var mask = Enumerable.Repeat(1f, batch * length).ToArray();
        // Padding at the end of some rows, and now and then a row with every key masked (uniform attention).
        if (padded)
            for (int b = 0; b < batch; b++)
            {
                int pad = rng.Next(length + 1);
                for (int j = length - pad; j < length; j++) mask[b * length + j] = 0f;
            }
        return new Operands(x, weights, biases, mask);
    }

    /// <summary>Which heads-per-tile values a case tries: every divisor of the heads that fits a tile's buffer.</summary>
    static int PickGroup(SelfAttentionKernel.Shape shape, byte selector)
    {
        var groups = Enumerable.Range(1, shape.Heads).Where(g => shape.Heads % g == 0
            && 3L * g * shape.Length * shape.HeadDim * sizeof(float) <= SelfAttentionKernel.ProjectionBytes).ToArray();
        return groups[selector % groups.Length];
    }

    static AttentionKernel.Shape AttentionShape(in SelfAttentionKernel.Shape s) =>
        new(s.Batch, s.Length, s.Length, s.Heads, s.HeadDim, s.Hidden, s.Hidden, s.Hidden, s.Hidden, s.Causal);

    /// <summary>Float32: the fused kernel against Gemm.MultiplyMany then AttentionKernel.Run, bit for bit.</summary>
    [Property(MaxTest = 60)]
    public unsafe void FloatFusionIsTheUnfusedBits(int seed, byte batchSel, byte lengthSel, byte headsSel, byte dimSel,
        byte isaSel, byte groupSel, bool causal, bool padded, bool threaded)
    {
        var isa = FloatIsas[isaSel % FloatIsas.Length];
        int nr = GemmIsaDetection.PanelWidth(isa);
        var shape = new SelfAttentionKernel.Shape(1 + batchSel % 4, 1 + lengthSel % 140, 1 + headsSel % 4, nr * (1 + dimSel % 2), causal);
        int hidden = shape.Hidden, rows = shape.Batch * shape.Length, group = PickGroup(shape, groupSel);
        var o = Draw(seed, shape.Batch, shape.Length, hidden, padded);
        var packed = Enumerable.Range(0, 3).Select(i => PackedWeight.Pack(o.Weights[i], hidden, hidden, o.Biases[i], isa)).ToArray();
        var pool = threaded ? _pool : null;

        var (q, k, v) = (new float[rows * hidden], new float[rows * hidden], new float[rows * hidden]);
        var expected = new float[rows * hidden];
        var actual = new float[rows * hidden];
        fixed (float* px = o.X) fixed (float* pq = q) fixed (float* pk = k) fixed (float* pv = v) fixed (float* pm = o.Mask)
        fixed (float* pe = expected) fixed (float* pa = actual)
        {
            Gemm.MultiplyMany(px, hidden, rows, packed, [(nint)pq, (nint)pk, (nint)pv], pool);
            AttentionKernel.Run(AttentionShape(shape), pq, pk, pv, pm, pe, null, isa, pool);
            SelfAttentionKernel.Run(shape, group, px, hidden, packed[0], packed[1], packed[2], pm, pa, isa, pool);
        }
        TensorAssert.Bitwise($"{isa} {shape}, {group} heads per tile, threaded {threaded}", expected, actual);
    }

    /// <summary>
    /// Int8: the fused kernel against Int8Gemm.MultiplyMany then the attention measuring its context, bit for bit, the
    /// context's range included; per tensor (the input's range known or measured), per row, per-channel weights.
    /// </summary>
    [Property(MaxTest = 60)]
    public unsafe void Int8FusionIsTheUnfusedBits(int seed, byte batchSel, byte lengthSel, byte headsSel, byte isaSel,
        byte groupSel, bool causal, bool padded, bool threaded, bool perRow, bool perChannel, bool rangeKnown)
    {
        var int8Isa = Int8Isas[isaSel % Int8Isas.Length];
        var isa = GemmIsaDetection.Best;
        int nr = Int8IsaDetection.PanelWidth(int8Isa);
        var shape = new SelfAttentionKernel.Shape(1 + batchSel % 4, 1 + lengthSel % 140, 1 + headsSel % 4, 2 * nr, causal);
        int hidden = shape.Hidden, rows = shape.Batch * shape.Length, group = PickGroup(shape, groupSel);
        var o = Draw(seed, shape.Batch, shape.Length, hidden, padded);
        var packed = Enumerable.Range(0, 3)
            .Select(i => Int8PackedWeight.Pack(o.Weights[i], hidden, hidden, o.Biases[i], perChannel, int8Isa)).ToArray();
        var pool = threaded ? _pool : null;
        ValueRange? known = rangeKnown && !perRow ? new ValueRange(Math.Min(0, o.X.Min()), Math.Max(0, o.X.Max())) : null;

        var (q, k, v) = (new float[rows * hidden], new float[rows * hidden], new float[rows * hidden]);
        var expected = new float[rows * hidden];
        var actual = new float[rows * hidden];
        ValueRange expectedRange, actualRange;
        fixed (float* px = o.X) fixed (float* pq = q) fixed (float* pk = k) fixed (float* pv = v) fixed (float* pm = o.Mask)
        fixed (float* pe = expected) fixed (float* pa = actual)
        {
            Int8Gemm.MultiplyMany(px, hidden, rows, packed, [(nint)pq, (nint)pk, (nint)pv], perRow, pool, known);
            expectedRange = AttentionKernel.RunMeasuringContext(AttentionShape(shape), pq, pk, pv, pm, pe, null, isa, pool);
            actualRange = SelfAttentionKernel.RunInt8(shape, group, px, hidden, packed[0], packed[1], packed[2], perRow, known,
                pm, pa, measureContext: true, isa, pool);
        }
        string what = $"{int8Isa} {shape}, {group} heads per tile, threaded {threaded}, per row {perRow}, per channel {perChannel}";
        TensorAssert.Bitwise(what, expected, actual);
        TensorAssert.Bitwise(what + ", context range", [expectedRange.Min, expectedRange.Max], [actualRange.Min, actualRange.Max]);
    }

    /// <summary>Weights the tiles cannot cut by heads are refused before any work: not [H, H], a head not whole panels,
    /// q, k and v packed for different ISAs.</summary>
    [Fact]
    public unsafe void WeightsThatDoNotFitAreRefused()
    {
        var shape = new SelfAttentionKernel.Shape(1, 4, 2, 32, false);
        PackedWeight Weight(int outFeatures, GemmIsa isa) => PackedWeight.Pack(new float[outFeatures * 64], outFeatures, 64, null, isa);
        var (x, mask, context) = (new float[4 * 64], new float[4], new float[4 * 64]);
        void Run(PackedWeight q, PackedWeight k, PackedWeight v, SelfAttentionKernel.Shape s)
        {
            fixed (float* px = x) fixed (float* pm = mask) fixed (float* pc = context)
                SelfAttentionKernel.Run(s, 1, px, 64, q, k, v, pm, pc, GemmIsa.Avx2, null);
        }
        var good = Weight(64, GemmIsa.Avx2);
        Assert.Throws<ArgumentException>(() => Run(good, Weight(32, GemmIsa.Avx2), good, shape));
        Assert.Throws<ArgumentException>(() => Run(good, good, Weight(64, GemmIsa.Portable), shape));
        Assert.Throws<ArgumentException>(() => Run(good, good, good, shape with { Heads = 8, HeadDim = 8 }));
        Run(good, good, good, shape);
    }

    /// <summary>
    /// The heads per tile: none where a head's columns are not whole panels or one head's q, k, v overflow a tile's
    /// buffer, or where there are fewer tiles than threads; otherwise the largest group of heads whose tiles fit and come
    /// in a multiple of the threads, else the largest that fits.
    /// </summary>
    [Fact]
    public void HeadsPerTileFollowsItsRules()
    {
        // ELECTRA-small, 32 × 128: 4 heads of 64 floats make 384 KiB of q, k, v per row: one tile per row.
        Assert.Equal(4, SelfAttentionKernel.HeadsPerTile(new(32, 128, 4, 64, false), 32, 2));
        // 1 × 128: a tile per head keeps both threads busy.
        Assert.Equal(2, SelfAttentionKernel.HeadsPerTile(new(1, 128, 4, 64, false), 32, 2));
        Assert.Equal(4, SelfAttentionKernel.HeadsPerTile(new(1, 128, 4, 64, false), 32, 1));
        // 3 rows on 2 threads: 3 tiles would leave a thread idle at the end; 6 do not.
        Assert.Equal(2, SelfAttentionKernel.HeadsPerTile(new(3, 128, 4, 64, false), 32, 2));
        // 512 positions: one head's q, k, v take 384 KiB, two would overflow.
        Assert.Equal(1, SelfAttentionKernel.HeadsPerTile(new(8, 512, 4, 64, false), 32, 2));
        // A head of 48 floats is not whole 32-float panels; 1,024 positions overflow a tile's buffer with one head.
        Assert.Equal(0, SelfAttentionKernel.HeadsPerTile(new(8, 128, 4, 48, false), 32, 2));
        Assert.Equal(0, SelfAttentionKernel.HeadsPerTile(new(8, 1024, 4, 64, false), 32, 2));
        // One row, one head, two threads: a single tile would leave a thread idle, so the projections and the attention
        // run unfused (each split over the threads).
        Assert.Equal(0, SelfAttentionKernel.HeadsPerTile(new(1, 128, 1, 64, false), 32, 2));
        // 3 heads on one row, 2 threads: no multiple of 2 exists, the largest group with a tile per thread is 1 (3 tiles).
        Assert.Equal(1, SelfAttentionKernel.HeadsPerTile(new(1, 16, 3, 32, false), 32, 2));
    }

    /// <summary>
    /// A whole model through the CPU backend (ELECTRA-small's shapes: 4 heads of 64, which the fusion takes), the fusion
    /// on and off: the same logits and hidden states bit for bit, float32 and int8 (per tensor and per row), on padded
    /// rows (3 rows: 2 heads per tile) and on one row (a head per tile), two threads.
    /// </summary>
    [Theory]
    [InlineData(3, false, false)]
    [InlineData(3, true, false)]
    [InlineData(3, true, true)]
    [InlineData(1, false, false)]
    [InlineData(1, true, false)]
    public void ModelsGiveTheSameBitsFusedOrNot(int batch, bool int8, bool perRow)
    {
        var dir = Path.Combine(SharedData.Models, "electra-small-random");
        const int length = 40;
        var rng = new Random(batch * 7 + (int8 ? 1 : 0));
        var ids = Enumerable.Range(0, batch).Select(_ => Enumerable.Range(0, length).Select(_ => 1000 + rng.Next(20000)).ToArray()).ToArray();
        // Row b has its last 9·b positions padded.
        var mask = Enumerable.Range(0, batch).Select(b => Enumerable.Range(0, length).Select(j => j < length - 9 * b ? 1 : 0).ToArray()).ToArray();
        var inputs = ModelInputs.FromIds(ids, mask);
        float[][] Run(bool fused)
        {
            bool before = CpuForwardPass.FusesSelfAttention;
            CpuForwardPass.FusesSelfAttention = fused;
            try
            {
                using var backend = new CpuBackend(new CpuBackendOptions(2, Quantization: int8 ? new Int8Quantization(false, perRow) : null));
                var model = ElectraPretrained.Load(dir, backend);
                var shape = new SelfAttentionKernel.Shape(batch, length, model.Config.NumAttentionHeads,
                    model.Config.HiddenSize / model.Config.NumAttentionHeads, false);
                // The case must take the fused path when it is on (its heads are whole panels of every ISA's width).
                Assert.True(SelfAttentionKernel.HeadsPerTile(shape, 32, 2) > 0 && SelfAttentionKernel.HeadsPerTile(shape, 16, 2) > 0);
                var output = model.Forward(inputs, new ForwardOptions(OutputHiddenStates: true));
                return output.Tensors.Values.Select(t => t.Span.ToArray()).ToArray();
            }
            finally
            {
                CpuForwardPass.FusesSelfAttention = before;
            }
        }
        var (fusedOutputs, unfusedOutputs) = (Run(true), Run(false));
        Assert.Equal(unfusedOutputs.Length, fusedOutputs.Length);
        for (int i = 0; i < fusedOutputs.Length; i++)
            TensorAssert.Bitwise($"{batch} rows, int8 {int8}, per row {perRow}, output {i}", unfusedOutputs[i], fusedOutputs[i]);
    }
}
