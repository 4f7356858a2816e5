using System.Diagnostics;
using Electra.Core.Backend;
using Electra.Cpu.Kernels;

namespace Electra.Benchmarks;

/// <summary>GFLOP/s of the prepacked GEMM on the shapes of an ELECTRA forward.</summary>
public static class GemmBench
{
    public sealed record Result(int M, int N, int K, Activation Activation, double MsMedian, double Gflops);

    public static Result Run(int m, int n, int k, Activation activation, WorkerPool pool, int iterations = 15)
    {
        var rng = new Random(1);
        var x = new float[m * k];
        var w = new float[n * k];
        var b = new float[n];
        for (int i = 0; i < x.Length; i++) x[i] = (float)rng.NextDouble() - 0.5f;
        for (int i = 0; i < w.Length; i++) w[i] = ((float)rng.NextDouble() - 0.5f) * 0.05f;
        var packed = PackedWeight.Pack(w, n, k, b);
        var y = new float[m * n];
        for (int i = 0; i < 3; i++) Gemm.Multiply(x, packed, y, activation, pool);
        var times = new double[iterations];
        for (int i = 0; i < iterations; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            Gemm.Multiply(x, packed, y, activation, pool);
            times[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        }
        Array.Sort(times);
        double ms = times[iterations / 2];
        return new Result(m, n, k, activation, ms, 2.0 * m * n * k / (ms * 1e-3) / 1e9);
    }
}
