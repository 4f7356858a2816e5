using System.Diagnostics;
using Electra.Cli.Benchmarking;
using Electra.Core.Backend;
using Electra.Core.Checkpoints;
using Electra.Core.Configuration;
using Electra.Core.Tensors;
using Electra.Cpu;
using Electra.Cpu.Kernels;
using Electra.Models;
using Electra.Models.Loading;

namespace Electra.Benchmarks;

/// <summary>
/// ELECTRA-base-shaped model (hidden 768, 12 layers, 12 heads, intermediate 3072) with random weights built here:
/// whole-forward GFLOP/s and the GEMMs of one layer alone, both against the measured FMA peak.
/// </summary>
public static class BaseModelBench
{
    public static void Run(int threads, double peak, double peakPerCpuSecond, int iterations)
    {
        var config = new ElectraConfig
        {
            EmbeddingSize = 768, HiddenSize = 768, NumHiddenLayers = 12, NumAttentionHeads = 12, IntermediateSize = 3072,
        }.Validate();
        const int batch = 32, seq = 128;
        int tokens = batch * seq, h = config.HiddenSize, f = config.IntermediateSize;
        var arch = ElectraArchitecture.ElectraModel;
        var rng = new Random(5);
        var tensors = new Dictionary<string, HostTensor>();
        foreach (var (key, shape) in StateDictLayout.Expected(config, arch))
        {
            var values = new float[TensorShape.ElementCount(shape)];
            bool norm = key.Contains("LayerNorm.weight");
            for (int i = 0; i < values.Length; i++) values[i] = norm ? 1f : 0.02f * (float)(rng.NextDouble() * 2 - 1) * 1.7f;
            tensors[key] = new HostTensor(shape, values);
        }
        using var backend = new CpuBackend(new CpuBackendOptions(threads));
        var model = ElectraPretrained.FromWeights(config, new InMemoryWeights(tensors), backend, arch);
        var inputs = BenchInputs.Create(batch, seq, 0, config.VocabSize).ToModelInputs();

        double linearFlops = 2.0 * tokens * (4.0 * h * h + 2.0 * h * f) * config.NumHiddenLayers;
        double attentionFlops = 2.0 * 2.0 * batch * seq * seq * h * config.NumHiddenLayers;
        var process = Process.GetCurrentProcess();
        var cpu0 = process.TotalProcessorTime;
        var timing = Timing.Measure(() => model.Forward(inputs), warmup: 1, iterations);
        process.Refresh();
        double cpuSeconds = (process.TotalProcessorTime - cpu0).TotalSeconds;
        double gflops = (linearFlops + attentionFlops) / (timing.MsMedian * 1e-3) / 1e9;
        double perCpu = (linearFlops + attentionFlops) * (iterations + 1) / cpuSeconds / 1e9;
        Console.WriteLine($"ELECTRA-base shape, batch {batch} × {seq}, {threads} threads: forward median {timing.MsMedian:F0} ms (min {timing.MsMin:F0}), " +
            $"{(linearFlops + attentionFlops) / 1e9:F0} GFLOP → {gflops:F1} GFLOP/s = {100 * gflops / peak:F0}% of the measured FMA peak {peak:F0} GFLOP/s; " +
            $"per CPU-second {perCpu:F1} GFLOP = {100 * perCpu / peakPerCpuSecond:F0}% of the per-core peak {peakPerCpuSecond:F0}");

        using var pool = new WorkerPool(threads);
        double totalMs = 0, totalFlops = 0, totalCpuWeighted = 0;
        foreach (var (n, k, act, count) in new[] { (h, h, Activation.Identity, 4), (f, h, Activation.Gelu, 1), (h, f, Activation.Identity, 1) })
        {
            var r = GemmBench.Run(tokens, n, k, act, pool, iterations: Math.Max(3, iterations));
            totalMs += r.MsMedian * count;
            totalFlops += 2.0 * tokens * n * k * count;
            totalCpuWeighted += 2.0 * tokens * n * k * count / r.GflopsPerCpuSecond;
            Console.WriteLine($"  GEMM {tokens}×{n}×{k} ({act}) ×{count}: {r.MsMedian:F1} ms, {r.Gflops:F1} GFLOP/s = {100 * r.Gflops / peak:F0}% of peak; " +
                $"per CPU-second {r.GflopsPerCpuSecond:F1} = {100 * r.GflopsPerCpuSecond / peakPerCpuSecond:F0}%");
        }
        double gemmGflops = totalFlops / (totalMs * 1e-3) / 1e9;
        double gemmPerCpu = totalFlops / totalCpuWeighted;
        Console.WriteLine($"  GEMMs of one layer together: {totalMs:F0} ms, {gemmGflops:F1} GFLOP/s = {100 * gemmGflops / peak:F0}% of peak; " +
            $"per CPU-second {gemmPerCpu:F1} = {100 * gemmPerCpu / peakPerCpuSecond:F0}% of the per-core peak");
    }
}
