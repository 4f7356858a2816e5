namespace Electra.Benchmarks;

/// <summary>
/// How far an int8 model's logits are from float32 ones: max and mean abs error, the largest reference magnitude (for
/// a relative figure), and on how many positions the sign (replaced or not) agrees.
/// </summary>
internal readonly record struct LogitErrors(double MaxAbs, double MeanAbs, double Peak, int SignAgree, int Count)
{
    public static LogitErrors Of(float[] reference, float[] actual)
    {
        double max = 0, sum = 0, peak = 0;
        int agree = 0;
        for (int i = 0; i < reference.Length; i++)
        {
            double d = Math.Abs(reference[i] - actual[i]);
            max = Math.Max(max, d);
            sum += d;
            peak = Math.Max(peak, Math.Abs(reference[i]));
            if (reference[i] > 0 == actual[i] > 0) agree++;
        }
        return new LogitErrors(max, sum / reference.Length, peak, agree, reference.Length);
    }
}
