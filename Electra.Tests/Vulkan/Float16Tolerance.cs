using Electra.Core.Tensors;
using Xunit.Sdk;

namespace Electra.Tests.Vulkan;

/// <summary>
/// The stated tolerance of <c>--precision f16</c> on Vulkan (float16 weights and activations, float32 sums), per kind of
/// output, against transformers' float32 references. Measured on every shared case first (BENCHMARKS.md, "float16
/// precision"), then set with a margin; README and BENCHMARKS state the same numbers.
/// </summary>
public static class Float16Tolerance
{
    /// <summary>Logits, hidden states, losses: |a − r| ≤ Abs + Rel·|r|.</summary>
    public const double Abs = 1.5e-2, Rel = 1.5e-2;

    /// <summary>Attention probabilities (in [0, 1]): |a − r| ≤ AttentionAbs.</summary>
    public const double AttentionAbs = 5e-3;

    /// <summary>A pooled embedding (mean of the last hidden state over the sequence) per row: cosine ≥ MinCosine.</summary>
    public const double MinCosine = 0.99995;

    /// <summary>
    /// Classifier logits: the arg-max (a discriminator's per-token sign) is the reference's, unless the reference's
    /// margin between the two is within the logits tolerance (a tie at this precision).
    /// </summary>
    public static void ArgMaxAgrees(string name, ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, int classes)
    {
        for (int row = 0; row * classes < expected.Length; row++)
        {
            var e = expected.Slice(row * classes, classes);
            var a = actual.Slice(row * classes, classes);
            if (classes == 1)
            {
                if (Math.Sign(e[0]) != Math.Sign(a[0]) && Math.Abs(e[0]) > Abs + Rel * Math.Abs(e[0]))
                    throw new XunitException($"{name}: row {row} is {a[0]:G6}, the reference {e[0]:G6} (sign changed)");
                continue;
            }
            int ea = ArgMax(e), aa = ArgMax(a);
            double margin = e[ea] - e[aa];
            if (ea != aa && margin > 2 * (Abs + Rel * Math.Abs(e[ea])))
                throw new XunitException($"{name}: row {row} picks class {aa}, the reference {ea} (reference margin {margin:G4})");
        }
    }

    /// <summary>Mean over the sequence of [B, S, H] per batch row, then the cosine of ours against the reference's.</summary>
    public static double MinPooledCosine(HostTensor expected, HostTensor actual)
    {
        int batch = expected.Shape[0], seq = expected.Shape[1], width = expected.Shape[2];
        double worst = 1;
        for (int b = 0; b < batch; b++)
        {
            var pe = new double[width];
            var pa = new double[width];
            for (int s = 0; s < seq; s++)
                for (int h = 0; h < width; h++)
                {
                    pe[h] += expected.Span[(b * seq + s) * width + h];
                    pa[h] += actual.Span[(b * seq + s) * width + h];
                }
            double dot = 0, ne = 0, na = 0;
            for (int h = 0; h < width; h++)
            {
                dot += pe[h] * pa[h];
                ne += pe[h] * pe[h];
                na += pa[h] * pa[h];
            }
            worst = Math.Min(worst, ne == 0 && na == 0 ? 1 : dot / Math.Sqrt(ne * na));
        }
        return worst;
    }

    /// <summary>max over the elements of |a − r| / (1 + |r|): the smallest Abs = Rel that holds.</summary>
    public static double Scaled(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
            worst = Math.Max(worst, Math.Abs(actual[i] - expected[i]) / (1 + Math.Abs(expected[i])));
        return worst;
    }

    public static double MaxAbs(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
            worst = Math.Max(worst, Math.Abs(actual[i] - expected[i]));
        return worst;
    }

    private static int ArgMax(ReadOnlySpan<float> v)
    {
        int best = 0;
        for (int i = 1; i < v.Length; i++)
            if (v[i] > v[best]) best = i;
        return best;
    }
}
