using System.Diagnostics;
using Electra.Cpu;
using Electra.Models;

namespace Electra.Benchmarks;

/// <summary>
/// The machine's state over time: the int8 1 × 128 forward, ours and ONNX Runtime's (or either alone), as a median per
/// second. A side-by-side process that reads "ONNX Runtime slow" may have run in a slow state of the machine rather
/// than drawn a slow process: this shows whether the time changes within one process, and whether both runtimes change
/// together. Run one runtime alone (--ours-only, --ort-only) to see it undisturbed by the other's spinning threads.
/// </summary>
public static class StateProbe
{
    public static void Run(string modelDir, string ortInt8, int threads, int seconds, bool ortOnly, bool oursOnly)
    {
        using var backend = new CpuBackend(new CpuBackendOptions(threads, Quantization: new Int8Quantization()));
        var model = ElectraPretrained.Load(modelDir, backend);
        var bench = Electra.Cli.Benchmarking.BenchInputs.Create(1, 128, 0, model.Config.VocabSize);
        var inputs = bench.ToModelInputs();
        // Forward by forward, ONNX Runtime's threads must not spin after each run: they would take the cores from ours.
        var options = OrtRunner.Options(threads);
        if (!ortOnly && !oursOnly) options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        using var ort = new OrtRunner(ortInt8, options);
        var feed = ort.Feed(bench);
        Console.WriteLine($"int8 1 × 128, {threads} threads: median ms per second{(ortOnly ? ", ONNX Runtime alone" : oursOnly ? ", ours alone" : ", alternating forward by forward")}");
        Console.WriteLine("| second | ours | ONNX Runtime |");
        Console.WriteLine("|---|---|---|");
        var clock = Stopwatch.StartNew();
        for (int s = 0; s < seconds; s++)
        {
            var ours = new List<double>();
            var theirs = new List<double>();
            var second = Stopwatch.StartNew();
            while (second.Elapsed.TotalSeconds < 1)
            {
                if (!ortOnly) ours.Add(Time(() => model.Forward(inputs)));
                if (!oursOnly) theirs.Add(Time(() => ort.Run(feed)));
            }
            Console.WriteLine($"| {clock.Elapsed.TotalSeconds:F0} | {Median(ours)} | {Median(theirs)} |");
        }
    }

    static double Time(Action run)
    {
        long start = Stopwatch.GetTimestamp();
        run();
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    static string Median(List<double> times)
    {
        if (times.Count == 0) return "";
        times.Sort();
        return times[times.Count / 2].ToString("F2");
    }
}
