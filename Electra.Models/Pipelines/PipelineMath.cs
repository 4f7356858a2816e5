namespace Electra.Models.Pipelines;

/// <summary>The score functions transformers' pipelines apply to logits, in double precision.</summary>
public static class PipelineMath
{
    /// <summary>Max-shifted softmax of <paramref name="logits"/> (numpy's form in the pipelines: exp(x − max) / Σ).</summary>
    public static double[] Softmax(ReadOnlySpan<float> logits)
    {
        // float → double is exact, so widening first gives the same values as a float loop would.
        var widened = new double[logits.Length];
        for (int i = 0; i < logits.Length; i++) widened[i] = logits[i];
        return Softmax(widened);
    }

    /// <summary>Max-shifted softmax of doubles.</summary>
    public static double[] Softmax(ReadOnlySpan<double> logits)
    {
        var result = new double[logits.Length];
        if (logits.Length == 0) return result;
        double max = double.NegativeInfinity;
        foreach (var x in logits) max = Math.Max(max, x);
        double sum = 0;
        for (int i = 0; i < logits.Length; i++)
        {
            result[i] = Math.Exp(logits[i] - max);
            sum += result[i];
        }
        for (int i = 0; i < result.Length; i++) result[i] /= sum;
        return result;
    }

    /// <summary>The logistic function 1 / (1 + e^−x).</summary>
    public static double Sigmoid(double x) => 1.0 / (1.0 + Math.Exp(-x));

    /// <summary>Index of the first largest value (numpy's argmax tie rule).</summary>
    public static int ArgMax(ReadOnlySpan<double> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
            if (values[i] > values[best]) best = i;
        return best;
    }

    /// <summary>
    /// Indices of the <paramref name="k"/> largest values, largest first; equal values keep index order, so the
    /// result is deterministic.
    /// </summary>
    public static int[] TopK(ReadOnlySpan<double> values, int k)
    {
        k = Math.Clamp(k, 0, values.Length);
        var best = new List<int>(k + 1);
        for (int i = 0; i < values.Length; i++)
        {
            double v = values[i];
            if (best.Count == k && (k == 0 || !(v > values[best[^1]]))) continue;
            int at = best.Count;
            while (at > 0 && v > values[best[at - 1]]) at--;
            best.Insert(at, i);
            if (best.Count > k) best.RemoveAt(best.Count - 1);
        }
        return best.ToArray();
    }
}
