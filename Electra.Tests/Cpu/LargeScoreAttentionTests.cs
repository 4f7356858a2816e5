using Electra.Cpu;
using Electra.Cpu.Kernels;
using Electra.Models;
using Electra.Tests.Support;
using Electra.Tests.Vulkan;
using Electra.Vulkan;
using FsCheck;
using FsCheck.Xunit;

namespace Electra.Tests.Cpu;

/// <summary>
/// Attention scores of 100–1000, where a softmax without max subtraction overflows (e^89 is past float's range)
/// and gives zero or NaN probabilities: against the double twin on the CPU kernel (vector loop and scalar tail,
/// several near-equal large keys) and on Vulkan; and softmax's shift invariance as a property.
/// </summary>
public static class LargeScores
{
    /// <summary>
    /// q, k, v for [1, sq, heads·d] / [1, sk, heads·d] whose largest |score| is <paramref name="magnitude"/>, with
    /// keys 1, sk/2 and sk−1 copies (slightly perturbed) of the key each query scores highest, so several large
    /// scores compete.
    /// </summary>
    public static (float[] Q, float[] K, float[] V, float[] Mask) Make(int sq, int sk, int heads, int d, double magnitude, int seed)
    {
        var rng = new Random(seed);
        int hidden = heads * d;
        float R() => (float)(rng.NextDouble() * 2 - 1);
        var k = Enumerable.Range(0, sk * hidden).Select(_ => R()).ToArray();
        var v = Enumerable.Range(0, sk * hidden).Select(_ => R()).ToArray();
        // Every query leans towards key 0, so key 0 and its near-copies hold the largest scores of every row.
        var q = Enumerable.Range(0, sq * hidden).Select(i => k[i % hidden] + 0.3f * R()).ToArray();
        foreach (int copy in new[] { 1, sk / 2, sk - 1 })
            for (int c = 0; c < hidden; c++) k[copy * hidden + c] = k[c] * (1 + 1e-5f * R());
        double max = 0;
        for (int h = 0; h < heads; h++)
            for (int i = 0; i < sq; i++)
                for (int j = 0; j < sk; j++)
                {
                    double s = 0;
                    for (int t = 0; t < d; t++) s += (double)q[i * hidden + h * d + t] * k[j * hidden + h * d + t];
                    max = Math.Max(max, Math.Abs(s / Math.Sqrt(d)));
                }
        float scale = (float)(magnitude / max);
        for (int i = 0; i < q.Length; i++) q[i] *= scale;
        var mask = Enumerable.Repeat(1f, sk).ToArray();
        mask[sk / 3] = 0; // one padded key among them
        return (q, k, v, mask);
    }

    /// <summary>Score rounding grows with the scores' size: float's relative error times the magnitude moves a probability by that factor.</summary>
    /// <param name="floor">the scale below which errors are absolute: a context is a sum of p·v with |v| ≤ 1, so
    /// its error follows the terms (≤ 1), not a small result after cancellation.</param>
    public static void AssertClose(double[] expected, float[] actual, double magnitude, string what, double floor = 1e-3)
    {
        Assert.Equal(expected.Length, actual.Length);
        double relative = 1e-5 + 2e-6 * magnitude;
        for (int i = 0; i < expected.Length; i++)
            Assert.True(float.IsFinite(actual[i]) && Math.Abs(actual[i] - expected[i]) <= 1e-6 + relative * Math.Max(Math.Abs(expected[i]), floor),
                $"{what} {i}: {actual[i]}, expected {expected[i]} (scores up to {magnitude})");
    }
}

public sealed class LargeScoreAttentionTests : IDisposable
{
    private readonly WorkerPool _pool = new(2);
    public void Dispose() => _pool.Dispose();

    [Theory]
    [InlineData(3, 13, 16, 100.0)]   // 13 keys: one 8-wide vector step and a 5-key scalar tail
    [InlineData(2, 21, 33, 300.0)]
    [InlineData(4, 8, 16, 1000.0)]   // vector loop only
    [InlineData(1, 5, 7, 1000.0)]    // scalar tail only
    public unsafe void CpuKernelMatchesTheDoubleTwinAtLargeScores(int sq, int sk, int d, double magnitude)
    {
        foreach (var isa in new[] { GemmIsa.Portable, GemmIsa.Avx2, GemmIsa.Avx512 })
        {
            const int heads = 2;
            var (q, k, v, mask) = LargeScores.Make(sq, sk, heads, d, magnitude, sq * 100 + sk);
            int hidden = heads * d;
            var context = new float[sq * hidden];
            var probs = new float[heads * sq * sk];
            var shape = new AttentionKernel.Shape(1, sq, sk, heads, d, hidden, hidden, hidden, hidden, false);
            fixed (float* pq = q) fixed (float* pk = k) fixed (float* pv = v) fixed (float* pm = mask)
            fixed (float* pc = context) fixed (float* pp = probs)
                AttentionKernel.Run(shape, pq, pk, pv, pm, pc, pp, isa, _pool);
            var (expectedContext, expectedProbs) = Electra.Tests.Reference.ReferenceOps.Attention(q, k, v, mask, 1, sq, sk, heads, hidden, false);
            Assert.True(expectedProbs.Max() < 0.99, "several keys compete for the largest score");
            LargeScores.AssertClose(expectedProbs, probs, magnitude, $"{isa} probability");
            LargeScores.AssertClose(expectedContext, context, magnitude, $"{isa} context", floor: 1);
        }
    }

    /// <summary>
    /// Adding one vector w to every key adds q_i·w/√d to every score of row i: softmax is unchanged. With w large the
    /// shift is hundreds, which only a max-subtracting softmax survives.
    /// </summary>
    [Property(MaxTest = 25)]
    public unsafe bool ShiftingARowsScoresChangesNoProbability(int seed, byte skSel, byte shiftSel)
    {
        int sq = 3, sk = 5 + skSel % 20, heads = 2, d = 16, hidden = heads * d;
        double shift = new[] { 10.0, 100.0, 500.0 }[shiftSel % 3];
        var (q, k, v, mask) = LargeScores.Make(sq, sk, heads, d, 20, seed);
        var rng = new Random(seed ^ 0x5a5a);
        var w = Enumerable.Range(0, hidden).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        // Scale w so the largest row shift |q_i·w|/√d is `shift`.
        double largest = 0;
        for (int h = 0; h < heads; h++)
            for (int i = 0; i < sq; i++)
            {
                double s = 0;
                for (int t = 0; t < d; t++) s += (double)q[i * hidden + h * d + t] * w[h * d + t];
                largest = Math.Max(largest, Math.Abs(s) / Math.Sqrt(d));
            }
        var shifted = k.Select((x, i) => x + (float)(w[i % hidden] * shift / largest)).ToArray();
        float[] Probs(float[] keys)
        {
            var context = new float[sq * hidden];
            var probs = new float[heads * sq * sk];
            var shape = new AttentionKernel.Shape(1, sq, sk, heads, d, hidden, hidden, hidden, hidden, false);
            fixed (float* pq = q) fixed (float* pk = keys) fixed (float* pv = v) fixed (float* pm = mask)
            fixed (float* pc = context) fixed (float* pp = probs)
                AttentionKernel.Run(shape, pq, pk, pv, pm, pc, pp, GemmIsa.Avx2, null);
            return probs;
        }
        var a = Probs(k);
        var b = Probs(shifted);
        // The shifted keys are rounded to float: scores move by up to ~shift·2^-23·√d each.
        double tol = 1e-5 + 4e-6 * shift;
        return a.Zip(b).All(p => float.IsFinite(p.Second) && Math.Abs(p.First - p.Second) <= tol * (p.First + 1e-3));
    }
}

[Collection("Vulkan")]
public sealed class VulkanLargeScoreAttentionTests
{
    private readonly VulkanFixture _fixture;

    public VulkanLargeScoreAttentionTests(VulkanFixture fixture) => _fixture = fixture;

    [VulkanTheory]
    [InlineData(3, 13, 16, 100.0)]
    [InlineData(2, 21, 33, 300.0)]
    [InlineData(1, 70, 8, 1000.0)]
    public void VulkanAttentionMatchesTheDoubleTwinAtLargeScores(int sq, int sk, int d, double magnitude)
    {
        const int heads = 2;
        int hidden = heads * d;
        var (q, k, v, mask) = LargeScores.Make(sq, sk, heads, d, magnitude, sq * 100 + sk);
        var backend = _fixture.Backend;
        using var pass = backend.BeginPass();
        var result = pass.Attention(pass.Upload(q, [1, sq, hidden]), pass.Upload(k, [1, sk, hidden]),
            pass.Upload(v, [1, sk, hidden]), pass.Upload(mask, [1, sk]), heads, causal: false, returnProbabilities: true);
        var (context, probs) = Electra.Tests.Reference.ReferenceOps.Attention(q, k, v, mask, 1, sq, sk, heads, hidden, false);
        LargeScores.AssertClose(probs, pass.Read(result.Probabilities!), magnitude, "probability");
        LargeScores.AssertClose(context, pass.Read(result.Context), magnitude, "context", floor: 1);
        _fixture.AssertNoValidationMessages();
    }
}

/// <summary>Token type ids reach the output: a property, where before only fixtures with type ids happened to check it.</summary>
public sealed class TokenTypeProperties
{
    [Property(MaxTest = 20)]
    public bool ChangingOneTokenTypeChangesTheOutput(int seed, byte posSel)
    {
        var rng = new Random(seed);
        // LayerNorm of a 2-wide vector is ±(1, −1) whatever goes in: widths of 4 and more carry a change through.
        var config = RandomModels.Config(rng);
        while (config.HiddenSize < 4 || config.EmbeddingSize < 4) config = RandomModels.Config(rng);
        using var backend = new CpuBackend();
        var model = RandomModels.Model(config, ElectraArchitecture.ElectraModel, rng, backend);
        int length = 6;
        var ids = Enumerable.Range(0, length).Select(_ => rng.Next(config.VocabSize)).ToArray();
        int position = posSel % length;
        var types = new int[length];
        var changed = (int[])types.Clone();
        changed[position] = 1;
        var a = model.Forward(ModelInputs.FromIds([ids], null, [types])).Tensors["last_hidden_state"].ToArray();
        var b = model.Forward(ModelInputs.FromIds([ids], null, [changed])).Tensors["last_hidden_state"].ToArray();
        int hidden = config.HiddenSize;
        // The changed position's own output moves (its embedding differs by two distinct random rows).
        return Enumerable.Range(position * hidden, hidden).Any(i => a[i] != b[i]);
    }
}
