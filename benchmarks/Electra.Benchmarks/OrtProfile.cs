using Electra.Cli.Benchmarking;
using Microsoft.ML.OnnxRuntime;

namespace Electra.Benchmarks;

/// <summary>
/// ONNX Runtime's own profiler over a model at one shape, to set its per-operator times beside ours from `profile`:
/// first the same runs unprofiled (the machine's state shows in them: ONNX Runtime's int8 32 × 128 takes about 200 ms
/// in the fast state and 270–290 ms in the slow one), then 3 warm-up and N profiled runs. Writes ONNX Runtime's JSON
/// trace under .build/ort-profile/ and prints the time per operator type and, for the first layer, per node.
/// </summary>
public static class OrtProfile
{
    public static void Run(string onnxPath, int threads, int batch, int seq, int iterations)
    {
        var inputs = BenchInputs.Create(batch, seq, 0, 30522);
        IReadOnlyList<NamedOnnxValue> feed;
        // The feed from a session of its own, closed before the profiled one opens: one ONNX Runtime thread pool at a time.
        using (var plain = new OrtRunner(onnxPath, threads))
        {
            feed = plain.Feed(inputs);
            for (int i = 0; i < 3; i++) plain.Run(feed);
            var unprofiled = System.Diagnostics.Stopwatch.StartNew();
            for (int i = 0; i < iterations; i++) plain.Run(feed);
            Console.WriteLine($"{batch} × {seq}: {unprofiled.Elapsed.TotalMilliseconds / iterations:F2} ms per run without the profiler");
        }
        // The prefix must be set before profiling is enabled (the session takes it then).
        string folder = Path.Combine(".build", "ort-profile");
        Directory.CreateDirectory(folder);
        using var options = OrtRunner.Options(threads);
        options.ProfileOutputPathPrefix = Path.Combine(folder, "trace");
        options.EnableProfiling = true;
        using var session = new InferenceSession(onnxPath, options);
        for (int i = 0; i < 3; i++) { using var r = session.Run(feed); }
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < iterations; i++) { using var r = session.Run(feed); }
        double ms = clock.Elapsed.TotalMilliseconds / iterations;
        string file = session.EndProfiling();
        Console.WriteLine($"{batch} × {seq}: {ms:F2} ms per run while profiling ({iterations} runs after 3 warm-up); trace {file}");
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(file));
        var byType = new Dictionary<string, (double Us, int Count)>();
        var firstLayer = new Dictionary<string, (double Us, int Count)>();
        foreach (var e in json.RootElement.EnumerateArray())
        {
            if (!e.TryGetProperty("cat", out var cat) || cat.GetString() != "Node") continue;
            if (!e.TryGetProperty("name", out var nameElement) || nameElement.GetString() is not { } name || !name.EndsWith("_kernel_time")) continue;
            string type = e.GetProperty("args").TryGetProperty("op_name", out var op) ? op.GetString()! : "?";
            double dur = e.GetProperty("dur").GetDouble();
            var (us, count) = byType.GetValueOrDefault(type);
            byType[type] = (us + dur, count + 1);
            if (name.Contains("/layer.0/"))
            {
                string node = $"{name[(name.IndexOf("/layer.0/") + 9)..^"_kernel_time".Length]} ({type})";
                var (nodeUs, nodeCount) = firstLayer.GetValueOrDefault(node);
                firstLayer[node] = (nodeUs + dur, nodeCount + 1);
            }
        }
        // Every run is in the trace, the warm-up runs included.
        int runs = iterations + 3;
        double total = byType.Values.Sum(v => v.Us);
        Console.WriteLine("per operator type, all layers:");
        foreach (var (type, (us, count)) in byType.OrderByDescending(p => p.Value.Us))
            Console.WriteLine($"  {type,-32} {us / runs / 1000,8:F3} ms per run  {100 * us / total,5:F1}%  ({count / runs} nodes)");
        Console.WriteLine("first layer, per node (µs per run):");
        foreach (var (node, (us, count)) in firstLayer.Where(p => p.Value.Us / p.Value.Count >= 20))
            Console.WriteLine($"  {node,-72} {us / count,8:F0}");
    }
}
