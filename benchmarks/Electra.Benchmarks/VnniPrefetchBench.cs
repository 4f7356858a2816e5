using Electra.Core.Backend;
using Electra.Cpu;
using Electra.Cpu.Kernels;
using Electra.Cpu.Kernels.Int8;
using Electra.Cpu.Kernels.Int8.Vnni;
using Electra.Cli.Benchmarking;
using Electra.Models;

namespace Electra.Benchmarks;

/// <summary>
/// The generated VNNI code with and without prefetching each block's output rows for writing, alternating in one
/// process: the feed-forward's GEMMs at 4096 rows (up 256 → 1024 + GELU, down 1024 → 256, ranges given) and the
/// int8 ELECTRA-small forward at 32 × 128 and 1 × 128.
/// </summary>
public static unsafe class VnniPrefetchBench
{
    public static void Run(string modelDir, int threads, int iterations)
    {
        if (VnniKernel.Instance is null) { Console.WriteLine($"vnni-prefetch: {VnniKernel.Status}"); return; }
        var plain = VnniKernel.Create(prefetchOutput: false);
        var prefetching = VnniKernel.Create(prefetchOutput: true);
        using var backend = new CpuBackend(new CpuBackendOptions(threads, Quantization: Int8Quantization.Default));
        var model = ElectraPretrained.Load(modelDir, backend);
        var pool = backend.Pool;
        const int rows = 4096, hidden = 256, wide = 1024;
        var rng = new Random(1);
        float[] Random(int length, float scale) => Enumerable.Range(0, length).Select(_ => scale * ((float)rng.NextDouble() - 0.5f)).ToArray();
        var x = Random(rows * hidden, 1f);
        var up = Int8PackedWeight.Pack(Random(wide * hidden, 0.1f), wide, hidden, Random(wide, 1f), false);
        var down = Int8PackedWeight.Pack(Random(wide * hidden, 0.1f), hidden, wide, Random(hidden, 1f), false);
        var h = new float[rows * wide];
        var y = new float[rows * hidden];
        var range = new ValueRange(-0.5f, 0.5f);
        var inputs = BenchInputs.Create(32, 128, 0, model.Config.VocabSize).ToModelInputs();
        var one = BenchInputs.Create(1, 128, 0, model.Config.VocabSize).ToModelInputs();
        Console.WriteLine($"{threads} threads; ms median (min), CPU ms per call; load average {CpuInfo.LoadAverage()}");
        foreach (var (what, iters, work) in new (string, int, Action)[]
        {
            ($"up {rows} × {wide} × {hidden} + GELU", iterations * 4, () =>
            {
                fixed (float* px = x) fixed (float* ph = h)
                    Int8Gemm.MultiplyWithRanges(px, hidden, rows, up, ph, wide, Activation.Gelu, false, pool, range, outputRange: true);
            }),
            ($"down {rows} × {hidden} × {wide}", iterations * 4, () =>
            {
                fixed (float* ph = h) fixed (float* py = y)
                    Int8Gemm.MultiplyWithRanges(ph, wide, rows, down, py, hidden, Activation.Identity, false, pool, range, outputRange: false);
            }),
            ("forward 32 × 128", iterations, () => model.Forward(inputs)),
            ("forward 1 × 128", iterations * 10, () => model.Forward(one)),
        })
        {
            Alternating.Contender With(string name, VnniKernel kernel) => new(name, () => { VnniKernel.Replacement = kernel; work(); });
            var t = Alternating.Run([With("no prefetch", plain), With("prefetchw of C", prefetching)], warmup: 3, iterations: iters);
            string Cell(Alternating.Timing c) => $"{c.Median:F3} ({c.Min:F3}), {c.CpuMs:F1}";
            Console.WriteLine($"| {what} | {Cell(t[0])} | {Cell(t[1])} | **{t[1].Median / t[0].Median:F3}** (min {t[1].Min / t[0].Min:F3}) |");
        }
        VnniKernel.Replacement = null;
    }
}
