using Electra.Benchmarks;
using Electra.Core.Backend;
using Electra.Cpu.Kernels;

int threads = 2;
Console.WriteLine($"ISA {GemmIsaDetection.Best}");
Console.WriteLine($"FMA peak 1 thread {FmaPeak.Measure(1):F1} GFLOP/s, {threads} threads {FmaPeak.Measure(threads):F1}");
using var pool = new WorkerPool(threads);
foreach (var (m, n, k, act) in new[] { (128, 256, 256, Activation.Identity), (128, 1024, 256, Activation.Gelu), (128, 256, 1024, Activation.Identity),
    (4096, 256, 256, Activation.Identity), (4096, 1024, 256, Activation.Gelu), (4096, 256, 1024, Activation.Identity),
    (4096, 768, 768, Activation.Identity), (4096, 3072, 768, Activation.Gelu), (4096, 768, 3072, Activation.Identity) })
{
    var r = GemmBench.Run(m, n, k, act, pool);
    Console.WriteLine($"{m}x{n}x{k} {act}: {r.MsMedian:F3} ms {r.Gflops:F1} GFLOP/s");
}
