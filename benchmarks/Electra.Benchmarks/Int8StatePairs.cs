using System.Diagnostics;
using Electra.Cli.Benchmarking;
using Electra.Cpu;
using Electra.Models;

namespace Electra.Benchmarks;

/// <summary>
/// Ours int8 against ONNX Runtime's int8 one forward each, pair after pair, each pair's ratio taken within the same
/// second. The machine has a slow state that comes and goes every few seconds and costs both runtimes (ONNX Runtime
/// more: see <see cref="StateProbe"/>); a process's medians mix the two states in whatever share that process met. Here
/// each pair is put in the fast or the slow state by ONNX Runtime's time (fast: within 15% of its fastest run), and the
/// ratios are reported per state. Who runs first alternates; each run starts after a 50 ms pause, so that neither meets
/// the other's polling threads (as in <see cref="Alternating"/>).
/// </summary>
public static class Int8StatePairs
{
    public static void Run(string modelDir, string ortInt8Path, int threads, int batch, int seconds)
    {
        using var backend = new CpuBackend(new CpuBackendOptions(threads, Quantization: new Int8Quantization()));
        var model = ElectraPretrained.Load(modelDir, backend);
        using var ort = new OrtRunner(ortInt8Path, threads);
        var inputs = BenchInputs.Create(batch, 128, 0, model.Config.VocabSize);
        var ours = inputs.ToModelInputs();
        var feed = ort.Feed(inputs);
        for (int i = 0; i < 3; i++) { model.Forward(ours); ort.Run(feed); }

        var pairs = new List<(double Ours, double Ort)>();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            bool oursFirst = pairs.Count % 2 == 0;
            double a = Pause(() => { if (oursFirst) model.Forward(ours); else ort.Run(feed); });
            double b = Pause(() => { if (oursFirst) ort.Run(feed); else model.Forward(ours); });
            pairs.Add(oursFirst ? (a, b) : (b, a));
        }

        double fastest = pairs.Min(p => p.Ort);
        var fast = pairs.Where(p => p.Ort <= 1.15 * fastest).ToList();
        var slow = pairs.Where(p => p.Ort > 1.15 * fastest).ToList();
        Console.WriteLine($"int8 {batch} × 128, {threads} threads, {pairs.Count} pairs in {seconds} s; fast state: ONNX Runtime within 15% of its fastest ({fastest:F2} ms)");
        Console.WriteLine("| state | pairs | ours ms median (min) | ORT ms median (min) | ours / ORT, median of the pairs | pairs ≤ 0.8 |");
        Console.WriteLine("|---|---|---|---|---|---|");
        foreach (var (name, set) in new[] { ("fast", fast), ("slow", slow) })
        {
            if (set.Count == 0) continue;
            var ratios = set.Select(p => p.Ours / p.Ort).ToList();
            Console.WriteLine($"| {name} | {set.Count} | {Median(set.Select(p => p.Ours))} ({set.Min(p => p.Ours):F2}) | " +
                $"{Median(set.Select(p => p.Ort))} ({set.Min(p => p.Ort):F2}) | **{Median(ratios, "F3")}** | {ratios.Count(r => r <= 0.8)} of {set.Count} |");
        }
    }

    static double Pause(Action run)
    {
        Thread.Sleep(50);
        long start = Stopwatch.GetTimestamp();
        run();
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    static string Median(IEnumerable<double> values, string format = "F2")
    {
        var sorted = values.OrderBy(v => v).ToList();
        return sorted[sorted.Count / 2].ToString(format);
    }
}
