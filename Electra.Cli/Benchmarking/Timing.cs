using System.Diagnostics;

namespace Electra.Cli.Benchmarking;

/// <summary>
/// Median and minimum of repeated runs after warm-up, and the bytes allocated per run by every thread of the
/// process (the backend's worker threads included, not only the caller).
/// </summary>
public sealed record Timing(double MsMedian, double MsMin, long AllocatedBytesPerRun)
{
    /// <summary>Least wall time spent warming up before timing starts.</summary>
    public const double MinWarmupMs = 1500;

    /// <summary>
    /// Runs <paramref name="run"/> <paramref name="warmup"/> times, and more until <see cref="MinWarmupMs"/> has
    /// passed (when warmup &gt; 0): .NET compiles hot methods with its optimizing tier only after they have run for
    /// a while, and a few fast forwards would otherwise be timed on unoptimized code.
    /// </summary>
    public static void WarmUp(Action run, int warmup)
    {
        var warming = Stopwatch.StartNew();
        for (int i = 0; i < warmup || (warmup > 0 && warming.Elapsed.TotalMilliseconds < MinWarmupMs); i++) run();
    }

    /// <summary>Times <paramref name="iterations"/> runs after <see cref="WarmUp"/>; <paramref name="timingStarts"/> runs
    /// between the two (e.g. to snapshot counters over the timed runs alone).</summary>
    public static Timing Measure(Action run, int warmup, int iterations, Action? timingStarts = null)
    {
        WarmUp(run, warmup);
        timingStarts?.Invoke();
        var times = new double[Math.Max(1, iterations)];
        long allocated = 0;
        for (int i = 0; i < times.Length; i++)
        {
            long before = GC.GetTotalAllocatedBytes(precise: true);
            long t0 = Stopwatch.GetTimestamp();
            run();
            times[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            allocated += GC.GetTotalAllocatedBytes(precise: true) - before;
        }
        Array.Sort(times);
        double median = times.Length % 2 == 1 ? times[times.Length / 2]
            : (times[times.Length / 2 - 1] + times[times.Length / 2]) / 2;
        return new Timing(median, times[0], allocated / times.Length);
    }

    /// <summary>Bytes allocated by every thread per run of <paramref name="run"/>, averaged over <paramref name="runs"/> runs after one untimed run.</summary>
    public static long MeasureAllocation(Action run, int runs)
    {
        run();
        long before = GC.GetTotalAllocatedBytes(precise: true);
        for (int i = 0; i < runs; i++) run();
        return (GC.GetTotalAllocatedBytes(precise: true) - before) / Math.Max(1, runs);
    }
}
