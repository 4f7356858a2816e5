using Electra.Core.Backend;

namespace Electra.Tests.Vulkan;

/// <summary>
/// Readable double-precision twins of each backend operation, written from transformers' definitions, used as the
/// ground truth for the Vulkan kernels.
/// </summary>
internal static class Reference
{
    // One activation twin for every backend's tests (erf and the activations live in Cpu.ReferenceMath).
    public static double Act(double x, Activation a) => Cpu.ReferenceMath.Activate(x, a);

    /// <summary>y[m, n] = act(Σ_k x[m, k]·W[n, k] + b[n]).</summary>
    public static double[] Linear(float[] x, int m, int k, float[] w, int n, float[]? bias, Activation act)
    {
        var y = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = bias?[j] ?? 0;
                for (int t = 0; t < k; t++) s += (double)x[i * k + t] * w[j * k + t];
                y[i * n + j] = Act(s, act);
            }
        return y;
    }

    public static double[] LayerNorm(float[] x, float[]? residual, float[] gamma, float[] beta, int width, double eps)
    {
        int rows = x.Length / width;
        var y = new double[x.Length];
        for (int r = 0; r < rows; r++)
        {
            var v = new double[width];
            for (int i = 0; i < width; i++) v[i] = x[r * width + i] + (residual?[r * width + i] ?? 0.0);
            double mean = v.Average();
            double variance = v.Select(a => (a - mean) * (a - mean)).Average();
            for (int i = 0; i < width; i++)
                y[r * width + i] = (v[i] - mean) / Math.Sqrt(variance + eps) * gamma[i] + beta[i];
        }
        return y;
    }

    /// <summary>HF eager attention: scores/√d + (1 − mask)·float.MinValue (causal keys beyond Sk − Sq + i masked too), softmax, ·V.</summary>
    public static (double[] Context, double[] Probs) Attention(float[] q, float[] k, float[] v, float[] mask,
        int batch, int sq, int sk, int heads, int hidden, bool causal)
    {
        int d = hidden / heads;
        var context = new double[batch * sq * hidden];
        var probs = new double[batch * heads * sq * sk];
        for (int b = 0; b < batch; b++)
            for (int h = 0; h < heads; h++)
                for (int i = 0; i < sq; i++)
                {
                    var s = new double[sk];
                    for (int j = 0; j < sk; j++)
                    {
                        double dot = 0;
                        for (int t = 0; t < d; t++)
                            dot += (double)q[(b * sq + i) * hidden + h * d + t] * k[(b * sk + j) * hidden + h * d + t];
                        double m = mask[b * sk + j];
                        if (causal && j > sk - sq + i) m = 0;
                        s[j] = dot / Math.Sqrt(d) + (1 - m) * float.MinValue;
                    }
                    double max = s.Max();
                    var e = s.Select(x => Math.Exp(x - max)).ToArray();
                    double sum = e.Sum();
                    for (int j = 0; j < sk; j++) probs[((b * heads + h) * sq + i) * sk + j] = e[j] / sum;
                    for (int t = 0; t < d; t++)
                    {
                        double acc = 0;
                        for (int j = 0; j < sk; j++) acc += e[j] / sum * v[(b * sk + j) * hidden + h * d + t];
                        context[(b * sq + i) * hidden + h * d + t] = acc;
                    }
                }
        return (context, probs);
    }
}
