using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Electra.Core.Backend;
using Electra.Core.Tensors;
using Electra.Cpu;
using Electra.Tests.Support;

namespace Electra.Tests.Models;

/// <summary>Backend ops against plain double-precision references (the readable twins), on odd shapes.</summary>
public class KernelProperties
{
    private static readonly int[] OddSizes = [1, 2, 3, 7, 16, 37, 64, 129];

    private static Gen<int> Size => Gen.Elements(OddSizes);

    [Property(MaxTest = 40)]
    public Property LinearMatchesNaiveDouble() =>
        Prop.ForAll(Gen.Zip(Gen.Zip(Size, Size), Gen.Zip(Size, Gen.Choose(0, int.MaxValue))).ToArbitrary(), t =>
        {
            var ((m, k), (n, seed)) = t;
            var rng = new Random(seed);
            var activation = (Activation)rng.Next(Enum.GetValues<Activation>().Length);
            var x = RandomModels.Floats(rng, m * k);
            var w = RandomModels.Floats(rng, n * k);
            var b = RandomModels.Floats(rng, n);
            using var backend = new CpuBackend();
            using var pass = backend.BeginPass();
            var y = pass.Read(pass.Linear(pass.Upload(x, [m, k]), backend.UploadLinear(HostTensor.Create(w, n, k), HostTensor.Create(b, n)), activation));
            for (int r = 0; r < m; r++)
                for (int c = 0; c < n; c++)
                {
                    double acc = b[c];
                    for (int i = 0; i < k; i++) acc += (double)x[r * k + i] * w[c * k + i];
                    double expected = Reference.ReferenceOps.Activate(acc, activation);
                    if (Math.Abs(y[r * n + c] - expected) > 1e-5 * (1 + Math.Abs(expected)) * Math.Sqrt(k)) return false;
                }
            return true;
        });

    /// <summary>
    /// The CPU feed-forward runs in row blocks once the rows exceed a block (288 rows at width 16384 on 2 threads, 144 on
    /// one): every row must come out bit-identical to the two whole linears, including rows at and across block edges.
    /// </summary>
    [Property(MaxTest = 12)]
    public Property FeedForwardInRowBlocksEqualsTwoLinears() =>
        Prop.ForAll(Gen.Zip(Gen.Zip(Gen.Elements(1, 143, 144, 145, 287, 288, 289, 700), Gen.Elements(3, 37)),
            Gen.Zip(Gen.Elements(1, 16, 37), Gen.Zip(Gen.Choose(1, 2), Gen.Choose(0, int.MaxValue)))).ToArbitrary(), t =>
        {
            var ((m, k), (n, (threads, seed))) = t;
            const int wide = 16384;
            var rng = new Random(seed);
            var activation = (Activation)rng.Next(Enum.GetValues<Activation>().Length);
            using var backend = new CpuBackend(new CpuBackendOptions(threads));
            var up = backend.UploadLinear(HostTensor.Create(RandomModels.Floats(rng, wide * k), wide, k), HostTensor.Create(RandomModels.Floats(rng, wide), wide));
            var down = backend.UploadLinear(HostTensor.Create(RandomModels.Floats(rng, n * wide), n, wide), HostTensor.Create(RandomModels.Floats(rng, n), n));
            var x = RandomModels.Floats(rng, m * k);
            using var pass = backend.BeginPass();
            var input = pass.Upload(x, [m, k]);
            var blocked = pass.Read(pass.FeedForward(input, up, activation, down));
            var whole = pass.Read(pass.Linear(pass.Linear(input, up, activation), down));
            return blocked.AsSpan().SequenceEqual(whole);
        });

    /// <summary>
    /// The int8 feed-forward (ONNX Runtime's quantize_dynamic scheme) past one row block: the down projection's input is
    /// quantized with the range of the whole intermediate, as DynamicQuantizeLinear over the tensor does, not of each
    /// block's rows, so every row is bit-identical to the two whole int8 linears (per tensor, per row, per channel).
    /// </summary>
    [Property(MaxTest = 10)]
    public Property Int8FeedForwardPastOneBlockEqualsTwoLinears() =>
        Prop.ForAll(Gen.Zip(Gen.Zip(Gen.Elements(145, 289, 700), Gen.Elements(false, true)),
            Gen.Zip(Gen.Elements(false, true), Gen.Zip(Gen.Choose(1, 2), Gen.Choose(0, int.MaxValue)))).ToArbitrary(), t =>
        {
            var ((m, perRow), (perChannel, (threads, seed))) = t;
            const int wide = 16384, k = 8, n = 16;
            var rng = new Random(seed);
            using var backend = new CpuBackend(new CpuBackendOptions(threads, Quantization: new Int8Quantization(perChannel, perRow)));
            var up = backend.UploadLinear(HostTensor.Create(RandomModels.Floats(rng, wide * k), wide, k),
                HostTensor.Create(RandomModels.Floats(rng, wide), wide), LinearRole.EncoderLayer);
            var down = backend.UploadLinear(HostTensor.Create(RandomModels.Floats(rng, n * wide), n, wide),
                HostTensor.Create(RandomModels.Floats(rng, n), n), LinearRole.EncoderLayer);
            // One row far out: the last block's range differs from the first's, so a per-block range would show.
            var x = RandomModels.Floats(rng, m * k);
            for (int i = 0; i < k; i++) x[(m - 1) * k + i] *= 8;
            using var pass = backend.BeginPass();
            var input = pass.Upload(x, [m, k]);
            var blocked = pass.Read(pass.FeedForward(input, up, Activation.Gelu, down));
            var whole = pass.Read(pass.Linear(pass.Linear(input, up, Activation.Gelu), down));
            return blocked.AsSpan().SequenceEqual(whole);
        });

    [Property(MaxTest = 40)]
    public Property LayerNormMatchesDouble() =>
        Prop.ForAll(Gen.Zip(Gen.Zip(Size, Size), Gen.Choose(0, int.MaxValue)).ToArbitrary(), t =>
        {
            var ((rows, width), seed) = t;
            var rng = new Random(seed);
            float scale = rng.Next(2) == 0 ? 1f : 0.01f;
            var x = RandomModels.Floats(rng, rows * width, scale);
            var residual = RandomModels.Floats(rng, rows * width, scale);
            var gamma = RandomModels.Floats(rng, width);
            var beta = RandomModels.Floats(rng, width);
            float eps = rng.Next(2) == 0 ? 1e-12f : 1e-5f;
            using var backend = new CpuBackend();
            using var pass = backend.BeginPass();
            var y = pass.Read(pass.LayerNorm(pass.Upload(x, [rows, width]), pass.Upload(residual, [rows, width]),
                backend.UploadWeight(HostTensor.Create(gamma, width)), backend.UploadWeight(HostTensor.Create(beta, width)), eps));
            for (int r = 0; r < rows; r++)
            {
                var v = Enumerable.Range(0, width).Select(i => (double)x[r * width + i] + residual[r * width + i]).ToArray();
                double mean = v.Average(), variance = v.Select(d => (d - mean) * (d - mean)).Average();
                for (int i = 0; i < width; i++)
                {
                    double expected = (v[i] - mean) / Math.Sqrt(variance + eps) * gamma[i] + beta[i];
                    if (Math.Abs(y[r * width + i] - expected) > 1e-4 * (1 + Math.Abs(expected))) return false;
                }
            }
            return true;
        });

    [Property(MaxTest = 40)]
    public Property AttentionSoftmaxMatchesDouble() =>
        Prop.ForAll(Gen.Zip(Gen.Zip(Gen.Choose(1, 3), Gen.Choose(1, 4)), Gen.Zip(Gen.Choose(1, 20), Gen.Choose(0, int.MaxValue))).ToArbitrary(), t =>
        {
            var ((batch, heads), (seq, seed)) = t;
            var rng = new Random(seed);
            int d = rng.Next(1, 6), hidden = heads * d;
            bool causal = rng.Next(2) == 0;
            int sq = causal ? rng.Next(1, seq + 1) : seq, sk = seq;
            var q = RandomModels.Floats(rng, batch * sq * hidden, 2f);
            var k = RandomModels.Floats(rng, batch * sk * hidden, 2f);
            var v = RandomModels.Floats(rng, batch * sk * hidden);
            var mask = Enumerable.Range(0, batch * sk).Select(_ => rng.Next(4) == 0 ? 0f : 1f).ToArray();
            using var backend = new CpuBackend();
            using var pass = backend.BeginPass();
            var result = pass.Attention(pass.Upload(q, [batch, sq, hidden]), pass.Upload(k, [batch, sk, hidden]),
                pass.Upload(v, [batch, sk, hidden]), pass.Upload(mask, [batch, sk]), heads, causal, true);
            var probs = pass.Read(result.Probabilities!);
            var context = pass.Read(result.Context);
            var (expectedContext, expectedProbs) = Reference.ReferenceOps.Attention(q, k, v, mask, batch, sq, sk, heads, hidden, causal);
            for (int i = 0; i < probs.Length; i++)
                if (Math.Abs(probs[i] - expectedProbs[i]) > 1e-5) return false;
            for (int i = 0; i < context.Length; i++)
                if (Math.Abs(context[i] - expectedContext[i]) > 1e-4 * (1 + Math.Abs(expectedContext[i]))) return false;
            return true;
        });

    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(0.5, 0.52049987781304654)]
    [InlineData(1.0, 0.84270079294971487)]
    [InlineData(2.0, 0.99532226501895273)]
    [InlineData(3.0, 0.99997790950300141)]
    [InlineData(-1.5, -0.96610514647531073)]
    [InlineData(5.0, 0.99999999999846254)]
    public void ErfMatchesTabulatedValues(double x, double expected) =>
        Assert.Equal(expected, Reference.ReferenceErf.Erf(x), tolerance: 1e-15);
}
