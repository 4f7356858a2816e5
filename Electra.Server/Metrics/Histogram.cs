using System.Globalization;
using System.Text;

namespace Electra.Server.Metrics;

/// <summary>A Prometheus histogram: cumulative bucket counts, sum and count, updated lock-free.</summary>
internal sealed class Histogram
{
    private readonly double[] _bounds;
    private readonly long[] _counts;
    private long _count;
    private long _sumBits;

    public Histogram(string name, string help, double[] bounds)
    {
        Name = name;
        Help = help;
        _bounds = bounds;
        _counts = new long[bounds.Length];
    }

    public string Name { get; }
    public string Help { get; }

    public void Observe(double value)
    {
        for (int i = 0; i < _bounds.Length; i++)
            if (value <= _bounds[i]) Interlocked.Increment(ref _counts[i]);
        Interlocked.Increment(ref _count);
        long seen, next;
        do
        {
            seen = Interlocked.Read(ref _sumBits);
            next = BitConverter.DoubleToInt64Bits(BitConverter.Int64BitsToDouble(seen) + value);
        } while (Interlocked.CompareExchange(ref _sumBits, next, seen) != seen);
    }

    public long Count => Interlocked.Read(ref _count);

    public void Render(StringBuilder text)
    {
        text.Append("# HELP ").Append(Name).Append(' ').Append(Help).Append('\n');
        text.Append("# TYPE ").Append(Name).Append(" histogram\n");
        for (int i = 0; i < _bounds.Length; i++)
            text.Append(Name).Append("_bucket{le=\"").Append(Format(_bounds[i])).Append("\"} ")
                .Append(Interlocked.Read(ref _counts[i])).Append('\n');
        long count = Count;
        text.Append(Name).Append("_bucket{le=\"+Inf\"} ").Append(count).Append('\n');
        text.Append(Name).Append("_sum ").Append(Format(BitConverter.Int64BitsToDouble(Interlocked.Read(ref _sumBits)))).Append('\n');
        text.Append(Name).Append("_count ").Append(count).Append('\n');
    }

    internal static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Seconds from 0.5 ms to 60 s, about ×2.5 apart.</summary>
    public static double[] LatencyBuckets() => [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    /// <summary>1, 2, 4, … up to <paramref name="max"/> (and max itself).</summary>
    public static double[] PowersOfTwo(int max)
    {
        var bounds = new List<double>();
        for (long b = 1; b < max; b *= 2) bounds.Add(b);
        bounds.Add(max);
        return bounds.Distinct().ToArray();
    }
}
