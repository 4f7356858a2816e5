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
                    double expected = ReferenceActivation(activation, acc);
                    if (Math.Abs(y[r * n + c] - expected) > 1e-5 * (1 + Math.Abs(expected)) * Math.Sqrt(k)) return false;
                }
            return true;
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
            var (expectedProbs, expectedContext) = ReferenceAttention(q, k, v, mask, batch, sq, sk, heads, d, causal);
            for (int i = 0; i < probs.Length; i++)
                if (Math.Abs(probs[i] - expectedProbs[i]) > 1e-5) return false;
            for (int i = 0; i < context.Length; i++)
                if (Math.Abs(context[i] - expectedContext[i]) > 1e-4 * (1 + Math.Abs(expectedContext[i]))) return false;
            return true;
        });

    /// <summary>transformers' eager attention in double: additive float32-min mask, max-shifted softmax.</summary>
    public static (double[] Probs, double[] Context) ReferenceAttention(float[] q, float[] k, float[] v, float[] mask,
        int batch, int sq, int sk, int heads, int d, bool causal)
    {
        int hidden = heads * d;
        var probs = new double[batch * heads * sq * sk];
        var context = new double[batch * sq * hidden];
        for (int b = 0; b < batch; b++)
            for (int h = 0; h < heads; h++)
                for (int i = 0; i < sq; i++)
                {
                    var scores = new double[sk];
                    for (int j = 0; j < sk; j++)
                    {
                        double s = 0;
                        for (int c = 0; c < d; c++) s += (double)q[(b * sq + i) * hidden + h * d + c] * k[(b * sk + j) * hidden + h * d + c];
                        s /= Math.Sqrt(d);
                        bool masked = mask[b * sk + j] == 0 || (causal && j > sk - sq + i);
                        scores[j] = masked ? (double)(float)(s + float.MinValue) : s;
                    }
                    double max = scores.Max();
                    var e = scores.Select(s => Math.Exp(s - max)).ToArray();
                    double sum = e.Sum();
                    for (int j = 0; j < sk; j++)
                    {
                        double p = e[j] / sum;
                        probs[((b * heads + h) * sq + i) * sk + j] = p;
                        for (int c = 0; c < d; c++) context[(b * sq + i) * hidden + h * d + c] += p * v[(b * sk + j) * hidden + h * d + c];
                    }
                }
        return (probs, context);
    }

    public static double ReferenceActivation(Activation a, double x) => a switch
    {
        Activation.Identity => x,
        Activation.Gelu => 0.5 * x * (1 + ErfReference(x / Math.Sqrt(2))),
        Activation.GeluTanh => 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x))),
        Activation.Relu => Math.Max(x, 0),
        Activation.Silu => x / (1 + Math.Exp(-x)),
        Activation.Tanh => Math.Tanh(x),
        Activation.Sigmoid => 1 / (1 + Math.Exp(-x)),
        Activation.QuickGelu => x / (1 + Math.Exp(-1.702 * x)),
        _ => throw new ArgumentOutOfRangeException(nameof(a)),
    };

    /// <summary>erf by Simpson integration of 2/√π·e^{-t²}: slow, obviously right, independent of the kernel's series.</summary>
    public static double ErfReference(double x)
    {
        int n = 2000;
        double h = x / n, sum = 1 + Math.Exp(-x * x);
        for (int i = 1; i < n; i++) sum += (i % 2 == 1 ? 4 : 2) * Math.Exp(-(i * h) * (i * h));
        return 2 / Math.Sqrt(Math.PI) * sum * h / 3;
    }

    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(0.5, 0.52049987781304654)]
    [InlineData(1.0, 0.84270079294971487)]
    [InlineData(2.0, 0.99532226501895273)]
    [InlineData(3.0, 0.99997790950300141)]
    [InlineData(-1.5, -0.96610514647531073)]
    [InlineData(5.0, 0.99999999999846254)]
    public void ErfMatchesTabulatedValues(double x, double expected) =>
        Assert.Equal(expected, Electra.Cpu.Kernels.Erf.Evaluate(x), tolerance: 1e-15);
}
