namespace Electra.Models.Losses;

/// <summary>
/// transformers' losses (torch.nn defaults: mean reduction), computed on the host in double precision from the
/// float32 logits.
/// </summary>
public static class LossFunctions
{
    /// <summary>CrossEntropyLoss over rows of <paramref name="classes"/> logits; targets equal to <paramref name="ignoreIndex"/> are skipped.</summary>
    /// <returns>The mean over kept rows; NaN when every row is ignored (as torch).</returns>
    public static double CrossEntropy(ReadOnlySpan<float> logits, int classes, ReadOnlySpan<int> targets, int ignoreIndex = -100)
    {
        double total = 0;
        int count = 0;
        for (int r = 0; r < targets.Length; r++)
        {
            int t = targets[r];
            if (t == ignoreIndex) continue;
            if ((uint)t >= (uint)classes)
                throw new Electra.Core.Errors.InputException($"label {t} at position {r} is outside [0, {classes})");
            var row = logits.Slice(r * classes, classes);
            double max = double.NegativeInfinity;
            foreach (var v in row) max = Math.Max(max, v);
            double sum = 0;
            foreach (var v in row) sum += Math.Exp(v - max);
            total += Math.Log(sum) + max - row[t];
            count++;
        }
        return count == 0 ? double.NaN : total / count;
    }

    /// <summary>BCEWithLogitsLoss, mean over all elements, in its numerically stable form.</summary>
    public static double BinaryCrossEntropyWithLogits(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets)
    {
        double total = 0;
        for (int i = 0; i < logits.Length; i++)
        {
            double x = logits[i], y = targets[i];
            total += Math.Max(x, 0) - x * y + Math.Log(1 + Math.Exp(-Math.Abs(x)));
        }
        return logits.Length == 0 ? double.NaN : total / logits.Length;
    }

    /// <summary>MSELoss, mean over all elements.</summary>
    public static double MeanSquaredError(ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets)
    {
        double total = 0;
        for (int i = 0; i < predictions.Length; i++)
        {
            double d = (double)predictions[i] - targets[i];
            total += d * d;
        }
        return predictions.Length == 0 ? double.NaN : total / predictions.Length;
    }
}
