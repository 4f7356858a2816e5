using Electra.Core.Backend;
using Electra.Cpu.Kernels;
using Electra.Tests.Reference;
using FsCheck.Xunit;
using Electra.Tests.Support;

namespace Electra.Tests.Cpu;

/// <summary>
/// <see cref="Gemm.FeedForwardLayerNorm"/>: both projections of a feed-forward block in one parallel run where the rows
/// split alike, bit for bit the up projection followed by <see cref="Gemm.MultiplyLayerNorm"/> (the path it replaces), and
/// near a double reference.
/// </summary>
public class FeedForwardGemmTests : IDisposable
{
    readonly WorkerPool _pool = new(2);
    public void Dispose() => _pool.Dispose();

    static readonly GemmIsa[] Isas = [GemmIsa.Portable, GemmIsa.Avx2, GemmIsa.Avx512];
    // Below and at the few-rows row split (4 microkernel blocks per thread), a short text (128), past Gemm.SmallRows
    // (where the projections tile differently and run one after the other).
    static readonly int[] Rows = [1, 7, 47, 48, 63, 64, 65, 100, 128, 129, Gemm.SmallRows, Gemm.SmallRows + 1, 300];
    static readonly int[] Hidden = [1, 13, 32, 64];
    static readonly int[] Wide = [3, 37, 128, 256];

    [Property(MaxTest = 40)]
    public unsafe void FeedForwardIsTheUpProjectionThenTheFusedDownProjection(byte mSel, byte hSel, byte wSel, int seed,
        bool threaded, byte isaSel, bool padded)
    {
        int m = Rows[mSel % Rows.Length], h = Hidden[hSel % Hidden.Length], f = Wide[wSel % Wide.Length];
        var isa = Isas[isaSel % Isas.Length];
        var pool = threaded ? _pool : null;
        var rng = new Random(seed);
        var x = RandomFloats.Uniform(rng, m * h, 2f);
        var wu = RandomFloats.Uniform(rng, f * h, 0.5f);
        var bu = RandomFloats.Uniform(rng, f);
        var wd = RandomFloats.Uniform(rng, h * f, 0.2f);
        var bd = RandomFloats.Uniform(rng, h);
        var gamma = RandomFloats.Uniform(rng, h);
        var beta = RandomFloats.Uniform(rng, h);
        const float eps = 1e-12f;
        var up = PackedWeight.Pack(wu, f, h, bu, isa);
        var down = PackedWeight.Pack(wd, h, f, bd, isa);
        // The intermediate's row stride: dense, or padded as the CPU backend pads 4 KiB-multiple widths.
        int ldi = padded ? f + 16 : f;
        string what = $"{isa} {m} rows, {h} -> {f} -> {h}, threaded {threaded}, intermediate stride {ldi}";

        var y = new float[m * h];
        var intermediate = new float[m * ldi];
        fixed (float* px = x) fixed (float* pi = intermediate) fixed (float* pg = gamma) fixed (float* pb = beta) fixed (float* py = y)
            Gemm.FeedForwardLayerNorm(px, h, m, up, Activation.Gelu, pi, ldi, down, pg, pb, eps, py, h, pool);

        // The two steps it replaces, bit for bit.
        var stepwise = new float[m * h];
        var hidden = new float[m * ldi];
        fixed (float* px = x) fixed (float* pi = hidden) fixed (float* pg = gamma) fixed (float* pb = beta) fixed (float* py = stepwise)
        {
            Gemm.Multiply(px, h, m, up, pi, ldi, Activation.Gelu, pool);
            Gemm.MultiplyLayerNorm(pi, ldi, m, down, px, h, pg, pb, eps, py, h, pool);
        }
        for (int i = 0; i < y.Length; i++)
            if (BitConverter.SingleToInt32Bits(y[i]) != BitConverter.SingleToInt32Bits(stepwise[i]))
                Assert.Fail($"{what}: element {i} is {y[i]} in one run, {stepwise[i]} in two");

        // Independent: both projections and the LayerNorm in double (the intermediate rounded to float, as stored).
        var (hiddenRef, _) = ReferenceOps.Linear(x, wu, bu, m, f, h, Activation.Gelu);
        var (projected, _) = ReferenceOps.Linear(hiddenRef.Select(v => (float)v).ToArray(), wd, bd, m, h, f, Activation.Identity);
        var expected = ReferenceOps.LayerNorm(projected.Select(v => (float)v).ToArray(), x, gamma, beta, h, eps);
        for (int i = 0; i < y.Length; i++)
        {
            double tolerance = 5e-4 * (1 + Math.Abs(expected[i]));
            if (!(Math.Abs(y[i] - expected[i]) <= tolerance))
                Assert.Fail($"{what}: element {i} = {y[i]}, expected {expected[i]}");
        }
    }

    [Fact]
    public void FeedForwardRejectsProjectionsThatDoNotChain()
    {
        var up = PackedWeight.Pack(new float[8 * 4], 8, 4);
        var down = PackedWeight.Pack(new float[5 * 8], 5, 8);
        var e = Assert.Throws<ArgumentException>(() =>
        {
            unsafe
            {
                float* buffer = stackalloc float[64];
                Gemm.FeedForwardLayerNorm(buffer, 4, 1, up, Activation.Gelu, buffer, 8, down, buffer, buffer, 1e-12f, buffer, 5);
            }
        });
        Assert.Contains("chain", e.Message);
    }
}
