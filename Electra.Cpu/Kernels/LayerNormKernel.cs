using System.Numerics.Tensors;

namespace Electra.Cpu.Kernels;

/// <summary>LayerNorm over rows of width n: (x − mean)/√(var + eps)·γ + β with the biased variance, as torch.</summary>
public static class LayerNormKernel
{
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> residual, ReadOnlySpan<float> gamma,
        ReadOnlySpan<float> beta, float eps, Span<float> output)
    {
        int n = gamma.Length;
        int rows = x.Length / n;
        for (int r = 0; r < rows; r++)
        {
            var dst = output.Slice(r * n, n);
            if (residual.IsEmpty) x.Slice(r * n, n).CopyTo(dst);
            else TensorPrimitives.Add(x.Slice(r * n, n), residual.Slice(r * n, n), dst);
            // Two passes in double: the mean first, then the centred variance, so tiny-variance rows
            // (embeddings scaled by 0.05 with eps 1e-12) keep their precision.
            double mean = 0;
            for (int i = 0; i < n; i++) mean += dst[i];
            mean /= n;
            double variance = 0;
            for (int i = 0; i < n; i++)
            {
                double d = dst[i] - mean;
                variance += d * d;
            }
            variance /= n;
            double inv = 1.0 / Math.Sqrt(variance + eps);
            for (int i = 0; i < n; i++)
                dst[i] = (float)((dst[i] - mean) * inv) * gamma[i] + beta[i];
        }
    }
}
