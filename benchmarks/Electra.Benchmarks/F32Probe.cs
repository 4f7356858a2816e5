using Electra.Core.Backend;
using Electra.Cpu.Kernels;

namespace Electra.Benchmarks;

/// <summary>
/// The float32 GEMMs of a short text's layer (QKV, the feed-forward's up projection with GELU and its down projection)
/// on weights cycled through 48 copies, more than the L3 holds, so that they come from memory as in a forward pass of
/// the whole model. With one thread and 64 rows it times one thread's share of a 1 × 128 forward; GFLOP per
/// CPU-second stays meaningful when other processes share the cores.
/// </summary>
public static unsafe class F32Probe
{
    public static void Run(WorkerPool pool, int rounds, int m)
    {
        foreach (var (outputs, n, k, act) in new[] { (3, 256, 256, Activation.Identity), (1, 1024, 256, Activation.Gelu), (1, 256, 1024, Activation.Identity) })
        {
            const int Copies = 48, Calls = 12;
            var rng = new Random(1);
            var x = GC.AllocateArray<float>(m * k, pinned: true);
            for (int i = 0; i < x.Length; i++) x[i] = (float)rng.NextDouble() - 0.5f;
            var weights = new PackedWeight[Copies * outputs];
            var w = new float[n * k];
            var b = new float[n];
            for (int c = 0; c < weights.Length; c++)
            {
                for (int i = 0; i < w.Length; i++) w[i] = ((float)rng.NextDouble() - 0.5f) * 0.05f;
                weights[c] = PackedWeight.Pack(w, n, k, b);
            }
            var y = GC.AllocateArray<float>(outputs * m * n, pinned: true);
            int next = 0;
            void Call()
            {
                var ws = weights.AsSpan(next++ % Copies * outputs, outputs);
                fixed (float* px = x)
                fixed (float* py = y)
                {
                    if (outputs == 1) Gemm.Multiply(px, k, m, ws[0], py, n, act, pool);
                    else
                    {
                        Span<nint> outs = stackalloc nint[outputs];
                        for (int i = 0; i < outputs; i++) outs[i] = (nint)(py + i * m * n);
                        Gemm.MultiplyMany(px, k, m, ws, outs, pool);
                    }
                }
            }
            var r = Alternating.Run([new Alternating.Contender("cold", () => { for (int i = 0; i < Calls; i++) Call(); })], warmup: 3, iterations: rounds)[0];
            double flops = 2.0 * m * n * outputs * k * Calls;
            Console.WriteLine($"{m} x {outputs} * {n} x {k} {act}: {1000 * r.Median / Calls:F1} us per GEMM (min {1000 * r.Min / Calls:F1}), " +
                $"{flops / (r.Median * 1e-3) / 1e9:F1} GFLOP/s, {flops / (r.CpuMs * 1e-3) / 1e9:F1} GFLOP per CPU-second");
        }
    }
}
