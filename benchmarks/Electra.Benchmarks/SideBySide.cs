using System.Diagnostics;
using Electra.Cli.Benchmarking;
using Electra.Models;

namespace Electra.Benchmarks;

/// <summary>
/// Ours and ONNX Runtime on the same inputs and threads, in alternating blocks of runs so that both see the same
/// background load; reports medians, the ratio ours/ORT and the max abs difference of the logits.
/// </summary>
public static class SideBySide
{
    public sealed record Result(int Batch, int Seq, double PadRatio, double OursMedian, double OursMin, double OrtMedian,
        double OrtMin, double MaxAbsDiff, long OursAllocatedPerForward, double OursCpuMs, double OrtCpuMs)
    {
        public double Ratio => OursMedian / OrtMedian;
    }

    public static Result Run(ElectraPretrained ours, OrtRunner ort, int batch, int seq, double padRatio, int warmup, int iterations)
    {
        var inputs = BenchInputs.Create(batch, seq, padRatio, ours.Config.VocabSize);
        var modelInputs = inputs.ToModelInputs();
        // ORT computes every position; we skip the padding (the logits are compared at real positions only).
        var options = padRatio > 0 ? ForwardOptions.RealTokensOnly : ForwardOptions.Default;
        var feed = ort.Feed(inputs);

        var oursLogits = ours.Forward(modelInputs, options).Logits!.ToArray();
        var ortLogits = ort.Run(feed);
        double maxDiff = 0;
        for (int i = 0; i < oursLogits.Length; i++)
            if (inputs.Mask[i] != 0) // padded positions are don't-care outputs in both
                maxDiff = Math.Max(maxDiff, Math.Abs(oursLogits[i] - ortLogits[i]));

        // As `electra bench`: warm up for a minimum time too, so both are timed on their optimized code.
        Timing.WarmUp(() => { ours.Forward(modelInputs, options); ort.Run(feed); }, Math.Max(1, warmup));
        var a = new double[iterations];
        var b = new double[iterations];
        long allocated = 0;
        double oursCpu = 0, ortCpu = 0;
        using var process = Process.GetCurrentProcess();
        // Alternating blocks rather than alternating runs: both runtimes keep their threads polling for a while
        // after a forward, and run by run each would steal the other's cores. A pause before each block lets the
        // pollers park; blocks alternate so that both see the same background load.
        const int Block = 5;
        for (int start = 0; start < iterations; start += Block)
        {
            int end = Math.Min(iterations, start + Block);
            Thread.Sleep(50);
            process.Refresh();
            var c0 = process.TotalProcessorTime;
            for (int i = start; i < end; i++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                long t0 = Stopwatch.GetTimestamp();
                ours.Forward(modelInputs, options);
                a[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                allocated += GC.GetAllocatedBytesForCurrentThread() - before;
            }
            process.Refresh();
            oursCpu += (process.TotalProcessorTime - c0).TotalMilliseconds;
            Thread.Sleep(50);
            process.Refresh();
            c0 = process.TotalProcessorTime;
            for (int i = start; i < end; i++)
            {
                long t0 = Stopwatch.GetTimestamp();
                ort.Run(feed);
                b[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            }
            process.Refresh();
            ortCpu += (process.TotalProcessorTime - c0).TotalMilliseconds;
        }
        Array.Sort(a);
        Array.Sort(b);
        return new Result(batch, seq, padRatio, a[iterations / 2], a[0], b[iterations / 2], b[0], maxDiff, allocated / iterations,
            oursCpu / iterations, ortCpu / iterations);
    }
}
