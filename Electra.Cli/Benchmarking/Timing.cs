using System.Diagnostics;

namespace Electra.Cli.Benchmarking;

/// <summary>Median and minimum of repeated runs after warm-up.</summary>
public sealed record Timing(double MsMedian, double MsMin, long AllocatedBytesPerRun)
{
    /// <summary>Least wall time spent warming up before timing starts.</summary>
    public const double MinWarmupMs = 1500;

    /// <summary>
    /// Warm-up runs continue past <paramref name="warmup"/> until <see cref="MinWarmupMs"/> has passed (when
    /// warmup &gt; 0): .NET compiles hot methods with its optimizing tier only after they have run for a while, and
    /// a few fast forwards would otherwise be timed on unoptimized code.
    /// </summary>
    public static Timing Measure(Action run, int warmup, int iterations)
    {
        var warming = Stopwatch.StartNew();
        for (int i = 0; i < warmup || (warmup > 0 && warming.Elapsed.TotalMilliseconds < MinWarmupMs); i++) run();
        var times = new double[Math.Max(1, iterations)];
        long allocated = 0;
        for (int i = 0; i < times.Length; i++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            long t0 = Stopwatch.GetTimestamp();
            run();
            times[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            allocated += GC.GetAllocatedBytesForCurrentThread() - before;
        }
        Array.Sort(times);
        double median = times.Length % 2 == 1 ? times[times.Length / 2]
            : (times[times.Length / 2 - 1] + times[times.Length / 2]) / 2;
        return new Timing(median, times[0], allocated / times.Length);
    }
}
