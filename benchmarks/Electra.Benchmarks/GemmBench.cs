using System.Diagnostics;
using Electra.Core.Backend;
using Electra.Cpu.Kernels;

namespace Electra.Benchmarks;

/// <summary>GFLOP/s of the prepacked GEMM on the shapes of an ELECTRA forward.</summary>
public static class GemmBench
{
    /// <param name="GflopsPerCpuSecond">FLOPs over the process's CPU time: the speed while actually scheduled, which
    /// stays meaningful when other processes share the cores.</param>
    public sealed record Result(int M, int N, int K, Activation Activation, double MsMedian, double Gflops, double GflopsPerCpuSecond);

    /// <summary>x [m, k] uniform in ±0.5, W [n, k] in ±0.025 (drawn after x), a zero bias: a linear's operands.</summary>
    public static (float[] X, float[] W, float[] Bias) RandomOperands(int m, int n, int k, Random rng)
    {
        var x = new float[m * k];
        var w = new float[n * k];
        for (int i = 0; i < x.Length; i++) x[i] = (float)rng.NextDouble() - 0.5f;
        for (int i = 0; i < w.Length; i++) w[i] = ((float)rng.NextDouble() - 0.5f) * 0.05f;
        return (x, w, new float[n]);
    }

    public static Result Run(int m, int n, int k, Activation activation, WorkerPool pool, int iterations = 15)
    {
        var (x, w, b) = RandomOperands(m, n, k, new Random(1));
        var packed = PackedWeight.Pack(w, n, k, b);
        var y = new float[m * n];
        for (int i = 0; i < 3; i++) Gemm.Multiply(x, packed, y, activation, pool);
        var times = new double[iterations];
        var cpu0 = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
        for (int i = 0; i < iterations; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            Gemm.Multiply(x, packed, y, activation, pool);
            times[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        }
        double cpuSeconds = (System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
        Array.Sort(times);
        double ms = times[iterations / 2];
        double flops = 2.0 * m * n * k;
        return new Result(m, n, k, activation, ms, flops / (ms * 1e-3) / 1e9, flops * iterations / cpuSeconds / 1e9);
    }
}
