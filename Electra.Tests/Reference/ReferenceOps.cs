using Electra.Core.Backend;

namespace Electra.Tests.Reference;

/// <summary>
/// Every backend operation as a plain loop in double precision over row-major arrays, written from transformers'
/// definitions (llm.c's style: one readable function per op, its shapes in the comment). The ground truth of the CPU
/// and Vulkan kernel tests, and the arithmetic of <see cref="ReferenceBackend"/>, which is itself checked against the
/// transformers fixtures end to end.
/// </summary>
public static class ReferenceOps
{
    public static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    /// <summary>transformers' ACT2FN, in double.</summary>
    public static double Activate(double x, Activation activation) => activation switch
    {
        Activation.Identity => x,
        Activation.Gelu => 0.5 * x * (1 + ReferenceErf.Erf(x / Math.Sqrt(2))),
        Activation.GeluTanh => 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x))),
        Activation.Relu => Math.Max(x, 0),
        Activation.Silu => x * Sigmoid(x),
        Activation.Tanh => Math.Tanh(x),
        Activation.Sigmoid => Sigmoid(x),
        Activation.QuickGelu => x * Sigmoid(1.702 * x),
        _ => throw new ArgumentOutOfRangeException(nameof(activation)),
    };

    /// <summary>
    /// x [m, k], w [n, k] (PyTorch layout), b [n] → y[i, j] = act(Σ_t x[i, t]·w[j, t] + b[j]), with Σ|x·w| + |b| per
    /// output (the scale a float32 kernel's rounding error is measured against).
    /// </summary>
    public static (double[] Y, double[] Magnitude) Linear(ReadOnlySpan<double> x, ReadOnlySpan<double> w, ReadOnlySpan<double> bias,
        int m, int n, int k, Activation activation)
    {
        var y = new double[m * n];
        var magnitude = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double b = bias.IsEmpty ? 0 : bias[j];
                double s = b, a = Math.Abs(b);
                for (int t = 0; t < k; t++)
                {
                    double p = x[i * k + t] * w[j * k + t];
                    s += p;
                    a += Math.Abs(p);
                }
                y[i * n + j] = Activate(s, activation);
                magnitude[i * n + j] = a;
            }
        return (y, magnitude);
    }

    /// <summary><see cref="Linear(ReadOnlySpan{double}, ReadOnlySpan{double}, ReadOnlySpan{double}, int, int, int, Activation)"/> on float inputs.</summary>
    public static (double[] Y, double[] Magnitude) Linear(float[] x, float[] w, float[]? bias, int m, int n, int k, Activation activation) =>
        Linear(Widen(x), Widen(w), bias is null ? default : Widen(bias), m, n, k, activation);

    /// <summary>LayerNorm over rows of <paramref name="width"/> of (x + residual): biased variance, (v − mean)/√(var + eps)·γ + β.</summary>
    public static double[] LayerNorm(ReadOnlySpan<double> x, ReadOnlySpan<double> residual, ReadOnlySpan<double> gamma, ReadOnlySpan<double> beta,
        int width, double eps)
    {
        int rows = x.Length / width;
        var y = new double[x.Length];
        var v = new double[width];
        for (int r = 0; r < rows; r++)
        {
            double mean = 0;
            for (int i = 0; i < width; i++)
            {
                v[i] = x[r * width + i] + (residual.IsEmpty ? 0 : residual[r * width + i]);
                mean += v[i];
            }
            mean /= width;
            double variance = 0;
            for (int i = 0; i < width; i++) variance += (v[i] - mean) * (v[i] - mean);
            variance /= width;
            for (int i = 0; i < width; i++)
                y[r * width + i] = (v[i] - mean) / Math.Sqrt(variance + eps) * gamma[i] + beta[i];
        }
        return y;
    }

    public static double[] LayerNorm(float[] x, float[]? residual, float[] gamma, float[] beta, int width, double eps) =>
        LayerNorm(Widen(x), residual is null ? default : Widen(residual), Widen(gamma), Widen(beta), width, eps);

    /// <summary>
    /// HF eager attention. q [B, Sq, H], k and v [B, Sk, H] (H = heads · d), mask [B, Sk] of 1/0:
    /// scores q·kᵀ/√d + (1 − mask)·float.MinValue (with <paramref name="causal"/>, keys after Sk − Sq + i masked too),
    /// max-shifted softmax, ·V → context [B, Sq, H] and probabilities [B, heads, Sq, Sk].
    /// </summary>
    public static (double[] Context, double[] Probs) Attention(ReadOnlySpan<double> q, ReadOnlySpan<double> k, ReadOnlySpan<double> v,
        ReadOnlySpan<double> mask, int batch, int sq, int sk, int heads, int hidden, bool causal)
    {
        int d = hidden / heads;
        var context = new double[batch * sq * hidden];
        var probs = new double[batch * heads * sq * sk];
        var s = new double[sk];
        for (int b = 0; b < batch; b++)
            for (int h = 0; h < heads; h++)
                for (int i = 0; i < sq; i++)
                {
                    double max = double.NegativeInfinity;
                    for (int j = 0; j < sk; j++)
                    {
                        double dot = 0;
                        for (int t = 0; t < d; t++) dot += q[(b * sq + i) * hidden + h * d + t] * k[(b * sk + j) * hidden + h * d + t];
                        double m = mask[b * sk + j];
                        if (causal && j > sk - sq + i) m = 0;
                        s[j] = dot / Math.Sqrt(d) + (1 - m) * float.MinValue;
                        max = Math.Max(max, s[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < sk; j++) sum += s[j] = Math.Exp(s[j] - max);
                    for (int j = 0; j < sk; j++) probs[((b * heads + h) * sq + i) * sk + j] = s[j] / sum;
                    for (int t = 0; t < d; t++)
                    {
                        double acc = 0;
                        for (int j = 0; j < sk; j++) acc += s[j] / sum * v[(b * sk + j) * hidden + h * d + t];
                        context[(b * sq + i) * hidden + h * d + t] = acc;
                    }
                }
        return (context, probs);
    }

    public static (double[] Context, double[] Probs) Attention(float[] q, float[] k, float[] v, float[] mask,
        int batch, int sq, int sk, int heads, int hidden, bool causal) =>
        Attention(Widen(q), Widen(k), Widen(v), Widen(mask), batch, sq, sk, heads, hidden, causal);

    public static double[] Widen(ReadOnlySpan<float> values)
    {
        var wide = new double[values.Length];
        for (int i = 0; i < values.Length; i++) wide[i] = values[i];
        return wide;
    }
}
