using System.Diagnostics;
using Electra.Core.Backend;
using Electra.Core.Tensors;
using Electra.Vulkan;

namespace Electra.Benchmarks;

/// <summary>
/// GFLOP/s of the Vulkan backend's linear (x·Wᵀ + b) on the shapes of ELECTRA-small and -base, float32 and float16
/// weights: <c>reps</c> linears recorded in one pass and run in one submission (the host's recording cost is part
/// of the figure, as it is of a forward), timed from the first record to the read of the last result.
/// </summary>
public static class VulkanGemmBench
{
    public static void Run(int iterations, bool large)
    {
        var shapes = new List<(int M, int N, int K)> { (128, 256, 256), (128, 1024, 256), (128, 256, 1024), (128, 768, 768), (128, 3072, 768) };
        if (large) shapes.AddRange([(4096, 1024, 256), (4096, 768, 768), (4096, 3072, 768), (4096, 768, 3072)]);
        foreach (bool half in new[] { false, true })
        {
            using var backend = VulkanBackend.Create(new VulkanOptions { UseFloat16Weights = half });
            if (half && !backend.UsesFloat16Weights) continue;
            Console.WriteLine($"{backend.DeviceDescription}, weights {(half ? "float16" : "float32")}");
            foreach (var (m, n, k) in shapes)
            {
                var rng = new Random(m + n + k);
                var x = Enumerable.Range(0, m * k).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
                var w = Enumerable.Range(0, n * k).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
                var linear = backend.UploadLinear(HostTensor.Create(w, n, k), HostTensor.Create(new float[n], n));
                int reps = Math.Max(1, iterations);
                var times = new List<double>();
                for (int round = 0; round < 4; round++)
                {
                    using var pass = backend.BeginPass();
                    var input = pass.Upload(x, [m, k]);
                    pass.Read(input);   // the upload is not part of the timing
                    var clock = Stopwatch.StartNew();
                    DeviceTensor? y = null;
                    for (int r = 0; r < reps; r++)
                    {
                        if (y != null) pass.Release(y);
                        y = pass.Linear(input, linear);
                    }
                    pass.Read(y!);
                    if (round > 0) times.Add(clock.Elapsed.TotalMilliseconds / reps);   // round 0 warms up
                }
                times.Sort();
                double ms = times[times.Count / 2];
                double gflops = 2.0 * m * n * k / (ms * 1e6);
                Console.WriteLine($"gemm {m}x{n}x{k} {(half ? "f16" : "f32")}: {ms:F3} ms, {gflops:F2} GFLOP/s");
            }
        }
    }
}
