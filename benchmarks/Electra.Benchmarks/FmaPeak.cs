using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Electra.Benchmarks;

/// <summary>
/// Measures the machine's single-precision FMA peak: 12 independent accumulator chains per thread (more than
/// latency × FMA ports on current x64 cores), so the loop is bound by FMA throughput alone.
/// </summary>
public static class FmaPeak
{
    /// <summary>GFLOP/s reached by <paramref name="threads"/> threads running FMA chains at the widest accelerated width.</summary>
    public static double Measure(int threads, double seconds = 0.3) => MeasureBoth(threads, seconds).WallGflops;

    /// <summary>Peak by wall time and per CPU-second (the latter is robust to other processes on the cores).</summary>
    public static (double WallGflops, double GflopsPerCpuSecond) MeasureBoth(int threads, double seconds = 0.3)
    {
        double bestCpu = 0;
        long iterations = 2_000_000;
        double best = 0;
        for (int round = 0; round < 3; round++)
        {
            var sw = Stopwatch.StartNew();
            var cpu0 = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
            var workers = new Thread[threads];
            for (int t = 0; t < threads; t++)
            {
                workers[t] = new Thread(() => Sink(Vector512.IsHardwareAccelerated ? Chains512(iterations) : Chains256(iterations)));
                workers[t].Start();
            }
            foreach (var w in workers) w.Join();
            double s = sw.Elapsed.TotalSeconds;
            double cpuS = (System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
            int lanes = Vector512.IsHardwareAccelerated ? 16 : 8;
            double flops = (double)iterations * 12 * lanes * 2 * threads;
            best = Math.Max(best, flops / s / 1e9);
            bestCpu = Math.Max(bestCpu, flops / cpuS / 1e9);
            if (s < seconds) iterations = (long)(iterations * seconds / s);
        }
        return (best, bestCpu);
    }

    static float s_sink;
    static void Sink(float v) => s_sink += v;

    [MethodImpl(MethodImplOptions.NoInlining)]
    static float Chains256(long n)
    {
        var m = Vector256.Create(0.999999f);
        var a = Vector256.Create(0.5f);
        Vector256<float> c0 = Vector256.Create(1f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0,
            c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (long i = 0; i < n; i++)
        {
            c0 = Vector256.FusedMultiplyAdd(c0, m, a); c1 = Vector256.FusedMultiplyAdd(c1, m, a);
            c2 = Vector256.FusedMultiplyAdd(c2, m, a); c3 = Vector256.FusedMultiplyAdd(c3, m, a);
            c4 = Vector256.FusedMultiplyAdd(c4, m, a); c5 = Vector256.FusedMultiplyAdd(c5, m, a);
            c6 = Vector256.FusedMultiplyAdd(c6, m, a); c7 = Vector256.FusedMultiplyAdd(c7, m, a);
            c8 = Vector256.FusedMultiplyAdd(c8, m, a); c9 = Vector256.FusedMultiplyAdd(c9, m, a);
            c10 = Vector256.FusedMultiplyAdd(c10, m, a); c11 = Vector256.FusedMultiplyAdd(c11, m, a);
        }
        return Vector256.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static float Chains512(long n)
    {
        var m = Vector512.Create(0.999999f);
        var a = Vector512.Create(0.5f);
        Vector512<float> c0 = Vector512.Create(1f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0,
            c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (long i = 0; i < n; i++)
        {
            c0 = Vector512.FusedMultiplyAdd(c0, m, a); c1 = Vector512.FusedMultiplyAdd(c1, m, a);
            c2 = Vector512.FusedMultiplyAdd(c2, m, a); c3 = Vector512.FusedMultiplyAdd(c3, m, a);
            c4 = Vector512.FusedMultiplyAdd(c4, m, a); c5 = Vector512.FusedMultiplyAdd(c5, m, a);
            c6 = Vector512.FusedMultiplyAdd(c6, m, a); c7 = Vector512.FusedMultiplyAdd(c7, m, a);
            c8 = Vector512.FusedMultiplyAdd(c8, m, a); c9 = Vector512.FusedMultiplyAdd(c9, m, a);
            c10 = Vector512.FusedMultiplyAdd(c10, m, a); c11 = Vector512.FusedMultiplyAdd(c11, m, a);
        }
        return Vector512.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }
}
