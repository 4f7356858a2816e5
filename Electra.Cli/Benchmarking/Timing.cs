using System.Diagnostics;

namespace Electra.Cli.Benchmarking;

/// <summary>Median and minimum of repeated runs after warm-up.</summary>
public sealed record Timing(double MsMedian, double MsMin, long AllocatedBytesPerRun)
{
    public static Timing Measure(Action run, int warmup, int iterations)
    {
        for (int i = 0; i < warmup; i++) run();
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
