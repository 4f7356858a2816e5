using Electra.Cli.Benchmarking;
using Electra.Cpu;
using Electra.Cpu.Kernels;
using Electra.Cpu.Kernels.Int8;
using Electra.Models;

namespace Electra.Benchmarks;

/// <summary>
/// The LayerNorm row (<see cref="LayerNormKernel"/>) on its 256-bit and 512-bit paths, alone (one row kept in L1, and
/// 4096 rows streamed), as the stand-alone pass over 4096 × 256 on the pool, and inside whole forwards; alternating
/// in one process.
/// </summary>
public static unsafe class LayerNormBench
{
    const int Rows = 4096;

    public static void Run(string modelDir, int threads, int iterations)
    {
        Console.WriteLine($"512-bit row available: {LayerNormKernel.WideRow}");
        foreach (int n in new[] { 256, 768 }) RowAlone(n, iterations);
        if (iterations > 5) using (var pool = new WorkerPool(threads)) Pass(pool, iterations);
        Forwards(modelDir, threads, iterations);
        LayerNormKernel.UseLegacyRow = false;
    }

    static float[] Random(Random rng, int length) => Enumerable.Range(0, length).Select(_ => (float)rng.NextDouble() * 2 - 1).ToArray();

    /// <summary>ns per row of width n: one row over and over (L1), and 4096 rows one after another (streamed from L2/L3).</summary>
    static void RowAlone(int n, int iterations)
    {
        var rng = new Random(1);
        float[] x = Random(rng, Rows * n), residual = Random(rng, Rows * n), gamma = Random(rng, n), beta = Random(rng, n), y = new float[Rows * n];
        const int repeats = 4096;
        Alternating.Contender Row(string name, int path, bool streamed) => new(name, () =>
        {
            fixed (float* px = x) fixed (float* pr = residual) fixed (float* pg = gamma) fixed (float* pb = beta) fixed (float* py = y)
            {
                var range = new RangeAccumulator();
                for (int r = 0; r < repeats; r++)
                {
                    long o = streamed ? (long)r * n : 0;
                    if (path < 0) LayerNormKernel.LegacyRow(px + o, pr + o, py + o, pg, pb, 1e-12f, n, ref range, track: false);
                    else LayerNormKernel.Row(path == 1, px + o, pr + o, py + o, pg, pb, 1e-12f, n, ref range, track: false);
                }
            }
        });
        foreach (bool streamed in new[] { false, true })
        {
            var contenders = new List<Alternating.Contender> { Row("previous", -1, streamed), Row("256-bit", 0, streamed) };
            if (LayerNormKernel.WideRow) contenders.Add(Row("512-bit", 1, streamed));
            var t = Alternating.Run(contenders, warmup: 3, iterations: iterations);
            Console.WriteLine($"row of {n}, {(streamed ? "4096 rows streamed" : "one row in L1")}: " +
                string.Join("; ", t.Select(c => $"{c.Name} {1e6 * c.Median / repeats:F1} ns (min {1e6 * c.Min / repeats:F1})")) +
                $"; new/previous {t[^1].Median / t[0].Median:F3}");
        }
    }

    /// <summary>LayerNormKernel.Forward over 4096 × 256 on the pool, without and with the output's range.</summary>
    static void Pass(WorkerPool pool, int iterations)
    {
        const int n = 256;
        var rng = new Random(2);
        float[] x = Random(rng, Rows * n), residual = Random(rng, Rows * n), gamma = Random(rng, n), beta = Random(rng, n), y = new float[Rows * n];
        Alternating.Contender Forward(string name, bool legacy, bool measure) => new(name, () =>
        {
            LayerNormKernel.UseLegacyRow = legacy;
            fixed (float* px = x) fixed (float* pr = residual) fixed (float* pg = gamma) fixed (float* pb = beta) fixed (float* py = y)
                LayerNormKernel.Forward(px, pr, pg, pb, 1e-12f, py, Rows, n, pool, measure);
        });
        foreach (bool measure in new[] { false, true })
        {
            var t = Alternating.Run([Forward("previous", true, measure), Forward("new", false, measure)], warmup: 3, iterations: iterations * 4);
            Console.WriteLine($"{pool.Threads} threads, {Rows} × {n}{(measure ? ", measuring the range" : "")}: " +
                string.Join("; ", t.Select(c => $"{c.Name} {c.Median:F3} ({c.Min:F3}) ms, {c.CpuMs:F3} CPU ms")) + $"; new/previous {t[1].Median / t[0].Median:F3}");
        }
    }

    /// <summary>Whole forwards, int8 at 32 × 128 and float32 at 1 × 128, with the previous row and the new one.</summary>
    static void Forwards(string modelDir, int threads, int iterations)
    {
        foreach (var (quantization, batch, iters) in new (Int8Quantization?, int, int)[] { (new Int8Quantization(false, false), 32, iterations), (null, 1, iterations * 10) })
        {
            using var backend = new CpuBackend(new CpuBackendOptions(threads, Quantization: quantization));
            var model = ElectraPretrained.Load(modelDir, backend);
            var inputs = BenchInputs.Create(batch, 128, 0, model.Config.VocabSize).ToModelInputs();
            Alternating.Contender With(string name, bool legacy) => new(name, () =>
            {
                LayerNormKernel.UseLegacyRow = legacy;
                model.Forward(inputs);
            });
            var t = Alternating.Run([With("previous", true), With("new", false)], warmup: 3, iterations: iters);
            Console.WriteLine($"{(quantization is null ? "float32" : "int8")} {batch} × 128 forward: " +
                string.Join("; ", t.Select(c => $"{c.Name} {c.Median:F2} ({c.Min:F2}) ms, {c.CpuMs:F1} CPU ms")) + $"; new/previous {t[1].Median / t[0].Median:F3}");
        }
    }
}
