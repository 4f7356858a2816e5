using Electra.Cpu.Kernels;

namespace Electra.Benchmarks;

/// <summary>
/// <see cref="AttentionKernel.Run"/> alone on ELECTRA-small's attention (4 heads × 64, no padding, no probabilities),
/// at 32 × 128 and 1 × 128: the kernel as it is against itself without its unmasked softmax
/// (<see cref="AttentionKernel.UnmaskedSoftmaxPath"/>) and next-tile prefetch (<see cref="AttentionKernel.PrefetchNextTile"/>),
/// alternating blocks in one process, since the other processes sharing the cores make times from two
/// processes incomparable.
/// </summary>
public static unsafe class AttentionBench
{
    public static void Run(WorkerPool pool, int iterations, GemmIsa isa)
    {
        foreach (var (batch, seq, calls) in new[] { (32, 128, 1), (1, 128, 50) })
        {
            const int heads = 4, d = 64, hidden = heads * d;
            var rng = new Random(1);
            float[] Rand(int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
            var (q, k, v) = (Rand(batch * seq * hidden), Rand(batch * seq * hidden), Rand(batch * seq * hidden));
            var mask = Enumerable.Repeat(1f, batch * seq).ToArray();
            var context = new float[batch * seq * hidden];
            var shape = new AttentionKernel.Shape(batch, seq, seq, heads, d, hidden, hidden, hidden, hidden, false);
            void Attend(bool unmaskedPath, bool prefetch)
            {
                AttentionKernel.UnmaskedSoftmaxPath = unmaskedPath;
                AttentionKernel.PrefetchNextTile = prefetch;
                fixed (float* pq = q) fixed (float* pk = k) fixed (float* pv = v) fixed (float* pm = mask) fixed (float* pc = context)
                    for (int i = 0; i < calls; i++) AttentionKernel.Run(shape, pq, pk, pv, pm, pc, null, isa, pool);
            }
            var timings = Alternating.Run([
                    new("before (masked softmax, no prefetch)", () => Attend(false, false)),
                    new("unmasked softmax", () => Attend(true, false)),
                    new("unmasked softmax + prefetch", () => Attend(true, true))],
                warmup: 3, iterations: iterations);
            AttentionKernel.UnmaskedSoftmaxPath = AttentionKernel.PrefetchNextTile = true;
            foreach (var t in timings)
                Console.WriteLine($"{batch} × {seq} {t.Name}: median {1000 * t.Median / calls:F1} µs per call (min {1000 * t.Min / calls:F1}), CPU {1000 * t.CpuMs / calls:F1} µs per call" +
                    $"; / before: medians {t.Median / timings[0].Median:F3}, mins {t.Min / timings[0].Min:F3}, CPU {t.CpuMs / timings[0].CpuMs:F3}");
        }
    }
}
