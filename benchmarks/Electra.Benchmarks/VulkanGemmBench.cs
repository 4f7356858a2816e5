using System.Diagnostics;
using Electra.Core.Backend;
using Electra.Core.Tensors;
using Electra.Vulkan;

namespace Electra.Benchmarks;

/// <summary>
/// GFLOP/s of the Vulkan backend's linear (x·Wᵀ + b) on the shapes of ELECTRA-small and -base, on every GEMM path the
/// device has: float32, float16 weights with float32 arithmetic ("f16") and with packed f16vec2 arithmetic ("f16-packed",
/// forced: the path AMD and Intel GPUs without matrix cores take by default), and the NV and KHR cooperative-matrix kernels
/// where offered. <c>reps</c>
/// linears are recorded in one pass and run in one submission (the host's recording cost is part of the figure, as it
/// is of a forward), timed from the first record to the read of the last result. Each float16 path's result is also
/// checked against the float32 path's within the float16 tolerance (|a − r| ≤ 1e-2 + 1e-2·|r|), so a GPU run verifies
/// the cooperative-matrix kernels that no CPU-only machine can run.
/// </summary>
public static class VulkanGemmBench
{
    private const double Tolerance = 1e-2;

    public static void Run(int iterations, bool large)
    {
        var shapes = new List<(int M, int N, int K)> { (128, 256, 256), (128, 1024, 256), (128, 256, 1024), (128, 768, 768), (128, 3072, 768) };
        if (large) shapes.AddRange([(4096, 1024, 256), (4096, 768, 768), (4096, 3072, 768), (4096, 768, 3072)]);
        var paths = Paths();
        try
        {
            foreach (var (label, backend) in paths)
                Console.WriteLine($"{backend.DeviceDescription}, {label}: GEMM path {backend.GemmPath} ({backend.GemmNote}), " +
                    $"half arithmetic {(backend.HalfArithmetic ? "packed f16vec2" : "no")} ({backend.HalfArithmeticNote})");
            foreach (var (m, n, k) in shapes)
            {
                var rng = new Random(m + n + k);
                var x = Enumerable.Range(0, m * k).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
                var w = Enumerable.Range(0, n * k).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
                float[]? reference = null;
                foreach (var (label, backend) in paths)
                {
                    var (ms, y) = Time(backend, x, w, m, n, k, iterations);
                    double gflops = 2.0 * m * n * k / (ms * 1e6);
                    string check = "";
                    if (reference == null) reference = y;
                    else
                    {
                        double worst = 0;
                        for (int i = 0; i < y.Length; i++)
                            worst = Math.Max(worst, Math.Abs(y[i] - reference[i]) / (Tolerance + Tolerance * Math.Abs(reference[i])));
                        check = $", vs f32 {worst:F3} of tolerance: {(worst <= 1 ? "ok" : "FAILED")}";
                    }
                    Console.WriteLine($"gemm {m}x{n}x{k} {label}: {ms:F3} ms, {gflops:F2} GFLOP/s{check}");
                }
            }
        }
        finally
        {
            foreach (var (_, backend) in paths) backend.Dispose();
        }
    }

    /// <summary>float32 first (the reference), then each distinct float16 path the device takes when allowed.</summary>
    private static List<(string Label, VulkanBackend Backend)> Paths()
    {
        var list = new List<(string, VulkanBackend)> { ("f32", VulkanBackend.Create()) };
        foreach (var (label, max, packed) in new[]
                 {
                     ("f16", GemmPath.Float16, false), ("f16-packed", GemmPath.Float16, true),
                     ("coopmat-nv", GemmPath.CooperativeMatrixNV, false), ("coopmat-khr", GemmPath.CooperativeMatrixKhr, false),
                 })
        {
            // The packed arithmetic lives in the GPU-shaped kernels: forced on any device (lavapipe included).
            var backend = VulkanBackend.Create(new VulkanOptions
            {
                UseFloat16Weights = true, MaxGemmPath = max, HalfArithmetic = packed, CpuShapedKernels = packed ? false : null,
            });
            bool distinct = backend.UsesFloat16Weights && backend.GemmPath == max && backend.HalfArithmetic == packed;
            if (distinct) list.Add((label, backend));
            else backend.Dispose();
        }
        return list;
    }

    private static (double Ms, float[] Y) Time(VulkanBackend backend, float[] x, float[] w, int m, int n, int k, int iterations)
    {
        var linear = backend.UploadLinear(HostTensor.Create(w, n, k), HostTensor.Create(new float[n], n));
        int reps = Math.Max(1, iterations);
        var times = new List<double>();
        float[] y = [];
        for (int round = 0; round < 4; round++)
        {
            using var pass = backend.BeginPass();
            // Under float16 precision x is a float16 activation, as the previous kernel of a forward would have stored it.
            var input = backend.ActivationPrecision == ActivationPrecision.Float16
                ? ((VulkanForwardPass)pass).UploadActivation(x, [m, k])
                : pass.Upload(x, [m, k]);
            pass.Read(input);   // the upload is not part of the timing
            var clock = Stopwatch.StartNew();
            DeviceTensor? result = null;
            for (int r = 0; r < reps; r++)
            {
                if (result != null) pass.Release(result);
                result = pass.Linear(input, linear);
            }
            y = pass.Read(result!);
            if (round > 0) times.Add(clock.Elapsed.TotalMilliseconds / reps);   // round 0 warms up
        }
        times.Sort();
        return (times[times.Count / 2], y);
    }
}
