using Electra.Core.Backend;
using Electra.Cpu.Kernels;
using Electra.Tests.Reference;
using FsCheck.Xunit;
using Electra.Tests.Support;

namespace Electra.Tests.Cpu;

/// <summary>
/// <see cref="Gemm.MultiplyLayerNorm"/>: LayerNorm(x·Wᵀ + b + residual) with the LayerNorm in the GEMM's epilogue, against
/// a double reference, and bitwise against the linear followed by the LayerNorm kernel (the unfused path the CPU backend
/// takes for few rows), so that fusing never changes an answer or a row's independence from its batch.
/// </summary>
public class GemmLayerNormTests : IDisposable
{
    readonly WorkerPool _pool = new(2);
    public void Dispose() => _pool.Dispose();

    static readonly GemmIsa[] Isas = [GemmIsa.Portable, GemmIsa.Avx2, GemmIsa.Avx512];
    // Rows across the few-rows split (one row tile per thread) and Gemm.SmallRows; widths below, at and past a vector and a panel.
    static readonly int[] Rows = [1, 5, 6, 7, 48, 128, 129, Gemm.SmallRows, Gemm.SmallRows + 1, 471];
    static readonly int[] Widths = [1, 7, 16, 37, 256];
    static readonly int[] Depths = [1, 13, 256, 300];

    static unsafe float[] Fused(float[] x, PackedWeight w, float[] residual, float[] gamma, float[] beta, float eps, WorkerPool? pool)
    {
        int k = w.InFeatures, n = w.OutFeatures, m = x.Length / k;
        var y = new float[m * n];
        fixed (float* px = x) fixed (float* pr = residual) fixed (float* pg = gamma) fixed (float* pb = beta) fixed (float* py = y)
            Gemm.MultiplyLayerNorm(px, k, m, w, pr, n, pg, pb, eps, py, n, pool);
        return y;
    }

    [Property(MaxTest = 40)]
    public void FusedLayerNormIsTheLinearThenTheLayerNorm(byte mSel, byte nSel, byte kSel, int seed, bool withBias, bool threaded, byte isaSel)
    {
        int m = Rows[mSel % Rows.Length], n = Widths[nSel % Widths.Length], k = Depths[kSel % Depths.Length];
        var isa = Isas[isaSel % Isas.Length];
        var rng = new Random(seed);
        var x = RandomFloats.Uniform(rng, m * k);
        var w = RandomFloats.Uniform(rng, n * k, 0.5f);
        var b = withBias ? RandomFloats.Uniform(rng, n) : null;
        var residual = RandomFloats.Uniform(rng, m * n, 2f);
        var gamma = RandomFloats.Uniform(rng, n);
        var beta = RandomFloats.Uniform(rng, n);
        const float eps = 1e-12f;
        var packed = PackedWeight.Pack(w, n, k, b, isa);
        var pool = threaded ? _pool : null;
        string what = $"{isa} [{m}x{k}]·[{n}x{k}]ᵀ bias {withBias} threaded {threaded}";

        var fused = Fused(x, packed, residual, gamma, beta, eps, pool);

        // Independent: the linear and the LayerNorm in double.
        var (linear, _) = ReferenceOps.Linear(x, w, b, m, n, k, Activation.Identity);
        var expected = ReferenceOps.LayerNorm(linear.Select(v => (float)v).ToArray(), residual, gamma, beta, n, eps);
        for (int i = 0; i < fused.Length; i++)
        {
            // A row of width 1 normalises to beta exactly; otherwise the float32 linear's rounding, scaled by 1/σ.
            double tolerance = 2e-4 * (1 + Math.Abs(expected[i]));
            if (!(Math.Abs(fused[i] - expected[i]) <= tolerance))
                Assert.Fail($"{what}: element {i} = {fused[i]}, expected {expected[i]}");
        }

        // The unfused path, bit for bit.
        var unfused = Gemm.Multiply(x, packed, Activation.Identity, pool);
        LayerNormKernel.Forward(unfused, residual, gamma, beta, eps, unfused, pool);
        for (int i = 0; i < fused.Length; i++)
            if (BitConverter.SingleToInt32Bits(fused[i]) != BitConverter.SingleToInt32Bits(unfused[i]))
                Assert.Fail($"{what}: element {i} is {fused[i]} fused, {unfused[i]} as linear then LayerNorm");
    }

    [Property(MaxTest = 20)]
    public void EachRowIsBitwiseTheRowAlone(byte mSel, byte nSel, int seed, bool threaded, byte isaSel)
    {
        int m = Rows[mSel % Rows.Length], n = Widths[nSel % Widths.Length], k = 256;
        var isa = Isas[isaSel % Isas.Length];
        var rng = new Random(seed);
        var x = RandomFloats.Uniform(rng, m * k);
        var packed = PackedWeight.Pack(RandomFloats.Uniform(rng, n * k, 0.5f), n, k, RandomFloats.Uniform(rng, n), isa);
        var residual = RandomFloats.Uniform(rng, m * n);
        var gamma = RandomFloats.Uniform(rng, n);
        var beta = RandomFloats.Uniform(rng, n);
        var all = Fused(x, packed, residual, gamma, beta, 1e-12f, threaded ? _pool : null);
        foreach (int r in new[] { 0, m / 2, m - 1 }.Distinct())
        {
            var alone = Fused(x.AsSpan(r * k, k).ToArray(), packed, residual.AsSpan(r * n, n).ToArray(), gamma, beta, 1e-12f, null);
            for (int j = 0; j < n; j++)
                if (BitConverter.SingleToInt32Bits(all[r * n + j]) != BitConverter.SingleToInt32Bits(alone[j]))
                    Assert.Fail($"{isa} {m} rows, width {n}: row {r} column {j} is {all[r * n + j]} in the batch, {alone[j]} alone");
        }
    }
}
