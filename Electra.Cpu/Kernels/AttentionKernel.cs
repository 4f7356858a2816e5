using System.Numerics.Tensors;

namespace Electra.Cpu.Kernels;

/// <summary>
/// Multi-head attention for one batch row at a time, with transformers' additive mask:
/// scores = q·kᵀ/√d + (1 − mask)·float.MinValue, softmax max-shifted, context = P·v.
/// </summary>
public static class AttentionKernel
{
    /// <param name="q">[Sq, H] of one batch row.</param>
    /// <param name="k">[Sk, H].</param>
    /// <param name="v">[Sk, H].</param>
    /// <param name="keyMask">[Sk] of 1/0.</param>
    /// <param name="context">[Sq, H] output.</param>
    /// <param name="probabilities">[A, Sq, Sk] output, or empty when not wanted.</param>
    public static void Forward(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v,
        ReadOnlySpan<float> keyMask, int sq, int sk, int hidden, int heads, bool causal,
        Span<float> context, Span<float> probabilities)
    {
        int d = hidden / heads;
        float scale = 1f / MathF.Sqrt(d);
        int offset = sk - sq;
        Span<float> scores = sk <= 1024 ? stackalloc float[sk] : new float[sk];
        Span<float> acc = d <= 512 ? stackalloc float[d] : new float[d];
        for (int h = 0; h < heads; h++)
        {
            for (int i = 0; i < sq; i++)
            {
                var qi = q.Slice(i * hidden + h * d, d);
                for (int j = 0; j < sk; j++)
                {
                    float s = TensorPrimitives.Dot(qi, k.Slice(j * hidden + h * d, d)) * scale;
                    bool masked = keyMask[j] == 0f || (causal && j > offset + i);
                    scores[j] = masked ? s + float.MinValue : s;
                }
                float max = TensorPrimitives.Max(scores);
                double sum = 0;
                for (int j = 0; j < sk; j++)
                {
                    float e = MathF.Exp(scores[j] - max);
                    scores[j] = e;
                    sum += e;
                }
                float inv = (float)(1.0 / sum);
                TensorPrimitives.Multiply(scores, inv, scores);
                if (!probabilities.IsEmpty) scores.CopyTo(probabilities.Slice((h * sq + i) * sk, sk));
                acc.Clear();
                for (int j = 0; j < sk; j++)
                {
                    if (scores[j] == 0f) continue;
                    TensorPrimitives.MultiplyAdd(v.Slice(j * hidden + h * d, d), scores[j], acc, acc);
                }
                acc.CopyTo(context.Slice(i * hidden + h * d, d));
            }
        }
    }
}
