using System.Diagnostics;

namespace Electra.Benchmarks;

/// <summary>
/// Times several contenders on the same work in one process: alternating blocks of runs, a pause before each block (the
/// runtimes keep their threads polling for a while after a run, which would steal the next contender's cores), all
/// warmed up first. Reports each contender's median, min and CPU time per run.
/// </summary>
public static class Alternating
{
    public sealed record Contender(string Name, Action Run);

    public sealed record Timing(string Name, double Median, double Min, double CpuMs);

    public static IReadOnlyList<Timing> Run(IReadOnlyList<Contender> contenders, int warmup, int iterations, int block = 5)
    {
        Electra.Cli.Benchmarking.Timing.WarmUp(() => { foreach (var c in contenders) c.Run(); }, Math.Max(1, warmup));
        var times = contenders.Select(_ => new double[iterations]).ToArray();
        var cpu = new double[contenders.Count];
        using var process = Process.GetCurrentProcess();
        for (int start = 0; start < iterations; start += block)
        {
            int end = Math.Min(iterations, start + block);
            // Rotate who goes first, so no contender always runs right after the same one.
            for (int j = 0; j < contenders.Count; j++)
            {
                int c = (j + start / block) % contenders.Count;
                Thread.Sleep(50);
                process.Refresh();
                var c0 = process.TotalProcessorTime;
                for (int i = start; i < end; i++)
                {
                    long t0 = Stopwatch.GetTimestamp();
                    contenders[c].Run();
                    times[c][i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                }
                process.Refresh();
                cpu[c] += (process.TotalProcessorTime - c0).TotalMilliseconds;
            }
        }
        return contenders.Select((c, i) =>
        {
            Array.Sort(times[i]);
            return new Timing(c.Name, times[i][iterations / 2], times[i][0], cpu[i] / iterations);
        }).ToList();
    }
}
