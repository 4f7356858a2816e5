using Electra.Cli.Benchmarking;
using Electra.Cpu;
using Electra.Models;

namespace Electra.Benchmarks;

/// <summary>
/// The int8 ELECTRA-small forward with and without output ranges measured by their producers (the LayerNorms, the
/// feed-forward) for the next int8 linear, which otherwise makes a range pass over its input
/// (<see cref="CpuForwardPass.MeasuresInt8OutputRanges"/>); alternating in one process, same bits either way.
/// </summary>
public static class Int8RangesBench
{
    public static void Run(string modelDir, int threads, int iterations, bool perChannel, bool perRow)
    {
        using var backend = new CpuBackend(new CpuBackendOptions(threads, Quantization: new Int8Quantization(perChannel, perRow)));
        var model = ElectraPretrained.Load(modelDir, backend);
        Console.WriteLine(backend.DeviceDescription);
        Console.WriteLine("| shape | range passes ms median (min), CPU ms | ranges handed on | handed on / passes |");
        Console.WriteLine("|---|---|---|---|");
        foreach (var (batch, seq, iters) in new[] { (1, 128, iterations * 4), (32, 128, iterations) })
        {
            var inputs = BenchInputs.Create(batch, seq, 0, model.Config.VocabSize).ToModelInputs();
            Alternating.Contender With(string name, bool measure, bool context = true) => new(name, () =>
            {
                CpuForwardPass.MeasuresInt8OutputRanges = measure;
                CpuForwardPass.MeasuresAttentionContextRange = context;
                model.Forward(inputs);
            });
            var t = Alternating.Run([With("range passes", false), With("ranges handed on", true), With("all but the context's", true, false)],
                warmup: 3, iterations: iters);
            string Cell(Alternating.Timing c) => $"{c.Median:F2} ({c.Min:F2}), {c.CpuMs:F0}";
            Console.WriteLine($"| {batch} × {seq} | {Cell(t[0])} | {Cell(t[1])} | **{t[1].Median / t[0].Median:F3}** | " +
                $"all but the context's {Cell(t[2])}: handed on / that **{t[1].Median / t[2].Median:F3}** |");
        }
        CpuForwardPass.MeasuresInt8OutputRanges = true;
        CpuForwardPass.MeasuresAttentionContextRange = true;
        Parts(backend.Pool, iterations * 4);
        using (var one = new Electra.Cpu.Kernels.WorkerPool(1)) Parts(one, iterations * 4);
    }

    /// <summary>What the hand-off trades at 32 × 128: the range pass it saves against the min and max it adds to a LayerNorm pass.</summary>
    static unsafe void Parts(Electra.Cpu.Kernels.WorkerPool pool, int iterations)
    {
        const int m = 4096, n = 256;
        var rng = new Random(1);
        float[] Random(int length) => Enumerable.Range(0, length).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        float[] x = Random(m * n), residual = Random(m * n), gamma = Random(n), beta = Random(n), y = new float[m * n];
        Alternating.Contender Norm(string name, bool measure) => new(name, () =>
        {
            fixed (float* px = x) fixed (float* pr = residual) fixed (float* pg = gamma) fixed (float* pb = beta) fixed (float* py = y)
                Electra.Cpu.Kernels.LayerNormKernel.Forward(px, pr, pg, pb, 1e-12f, py, m, n, pool, measure);
        });
        var t = Alternating.Run([Norm("LayerNorm", false), Norm("LayerNorm measuring", true), new("range pass", () =>
        {
            fixed (float* py = y) Electra.Cpu.Kernels.Int8.ActivationQuantizer.ForThread.Range(py, n, m, n, pool);
        })], warmup: 3, iterations: iterations);
        Console.WriteLine($"{pool.Threads} threads, {m} × {n}: " + string.Join("; ", t.Select(c => $"{c.Name} {c.Median:F3} ({c.Min:F3}) ms, {c.CpuMs:F3} CPU ms")));

        // The attention (32 × 128, 4 heads of 64) with and without measuring its context's range, beside the range pass
        // over the context that the measuring saves the attention output.
        var shape = new Electra.Cpu.Kernels.AttentionKernel.Shape(32, 128, 128, 4, 64, n, n, n, n, false);
        float[] keys = Random(m * n), values = Random(m * n), ones = Enumerable.Repeat(1f, m / 128 * 128).ToArray(), context = new float[m * n];
        Alternating.Contender Attend(string name, bool measure) => new(name, () =>
        {
            fixed (float* pq = x) fixed (float* pk = keys) fixed (float* pv = values) fixed (float* pm = ones) fixed (float* pc = context)
            {
                if (measure) Electra.Cpu.Kernels.AttentionKernel.RunMeasuringContext(shape, pq, pk, pv, pm, pc, null, Electra.Cpu.Kernels.GemmIsaDetection.Best, pool);
                else Electra.Cpu.Kernels.AttentionKernel.Run(shape, pq, pk, pv, pm, pc, null, Electra.Cpu.Kernels.GemmIsaDetection.Best, pool);
            }
        });
        t = Alternating.Run([Attend("attention", false), Attend("attention measuring", true), new("range pass over the context", () =>
        {
            fixed (float* pc = context) Electra.Cpu.Kernels.Int8.ActivationQuantizer.ForThread.Range(pc, n, m, n, pool);
        })], warmup: 3, iterations: iterations);
        Console.WriteLine($"{pool.Threads} threads, attention 32 × 128: " + string.Join("; ", t.Select(c => $"{c.Name} {c.Median:F3} ({c.Min:F3}) ms, {c.CpuMs:F3} CPU ms")));

        // The feed-forward's up projection (+ GELU) with and without measuring its output's range in the epilogue.
        const int wide = 1024;
        var up = Electra.Cpu.Kernels.Int8.Int8PackedWeight.Pack(Random(wide * n).Select(v => 0.1f * v).ToArray(), wide, n, Random(wide), false);
        var hidden = new float[m * wide];
        Alternating.Contender Up(string name, bool measure) => new(name, () =>
        {
            fixed (float* px = x) fixed (float* ph = hidden)
                Electra.Cpu.Kernels.Int8.Int8Gemm.MultiplyWithRanges(px, n, m, up, ph, wide, Electra.Core.Backend.Activation.Gelu, false, pool,
                    new Electra.Cpu.Kernels.Int8.ValueRange(-0.5f, 0.5f), measure);
        });
        t = Alternating.Run([Up("up projection", false), Up("up projection measuring", true)], warmup: 3, iterations: iterations / 4);
        Console.WriteLine($"{pool.Threads} threads, {m} × {wide} × {n} + GELU: " + string.Join("; ", t.Select(c => $"{c.Name} {c.Median:F3} ({c.Min:F3}) ms, {c.CpuMs:F3} CPU ms")));
    }
}
