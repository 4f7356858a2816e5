using System.Diagnostics;
using System.Runtime.Intrinsics;
using Electra.Core.Backend;
using Electra.Cpu;
using Electra.Cpu.Kernels;
using Electra.Cpu.Kernels.Int8;
using Electra.Models;

namespace Electra.Benchmarks;

/// <summary>
/// The GELU variants side by side in one process (alternating blocks, <see cref="Alternating"/>): the rational fit,
/// the piecewise polynomial on 256 bits, and the same with a 512-bit epilogue loop. Each measures the GELU loop
/// alone on an L1-resident row (ns per element, one thread), the FFN up projection's epilogue over 4096 rows (bias +
/// GELU split by rows between the threads, as int8-parts's "epilogue" column), the float32 and int8 GEMMs with the
/// fused GELU, and the whole forwards.
/// </summary>
public static class GeluBench
{
    static readonly (string Name, ActivationKernels.GeluVariant Variant)[] Variants =
    [
        ("rational", ActivationKernels.GeluVariant.Rational),
        ("pieces 256", ActivationKernels.GeluVariant.Pieces256),
        ("pieces 512", ActivationKernels.GeluVariant.Pieces512),
    ];

    public static void Run(string modelDir, WorkerPool pool, int threads, int iterations)
    {
        Row("GELU loop, 1024 floats in L1, 1 thread, ns per element", iterations * 4, () => RowLoop(), ms => ms * 1e6 / (1024.0 * 256));
        // GELU_LOOP_ONLY=1: only that row (a few seconds).
        if (Environment.GetEnvironmentVariable("GELU_LOOP_ONLY") == "1") return;
        var rng = new Random(1);
        foreach (var (m, n, k) in new[] { (4096, 1024, 256) })
        {
            var y = new float[m * n];
            var bias = new float[n];
            for (int i = 0; i < y.Length; i++) y[i] = (float)(rng.NextDouble() * 6 - 3);
            var job = new EpilogueJob(y, bias, m, n);
            Row($"epilogue {m} × {n} + GELU, ms", iterations, () => job.Run(pool), ms => ms);
        }
        foreach (var (m, n, k) in new[] { (128, 1024, 256), (4096, 1024, 256) })
        {
            var (x, w, b) = GemmBench.RandomOperands(m, n, k, rng);
            var packed = PackedWeight.Pack(w, n, k, b);
            var quantized = Int8PackedWeight.Pack(w, n, k, b, false);
            var y = new float[m * n];
            Row($"f32 GEMM {m} × {n} × {k} + GELU, ms", iterations * (m < 1000 ? 8 : 1), () => Gemm.Multiply(x, packed, y, Activation.Gelu, pool), ms => ms);
            Row($"int8 GEMM {m} × {n} × {k} + GELU, ms", iterations * (m < 1000 ? 8 : 1), () => Int8Gemm.Multiply(x, quantized, y, Activation.Gelu, false, pool), ms => ms);
        }
        using var f32Backend = new CpuBackend(new CpuBackendOptions(threads));
        var f32 = ElectraPretrained.Load(modelDir, f32Backend);
        var small = Electra.Cli.Benchmarking.BenchInputs.Create(1, 128, 0, f32.Config.VocabSize).ToModelInputs();
        Row("float32 forward 1 × 128, ms", iterations * 8, () => f32.Forward(small), ms => ms);
        using var int8Backend = new CpuBackend(new CpuBackendOptions(threads, Quantization: new Int8Quantization()));
        var int8 = ElectraPretrained.Load(modelDir, int8Backend);
        var large = Electra.Cli.Benchmarking.BenchInputs.Create(32, 128, 0, int8.Config.VocabSize).ToModelInputs();
        Row("int8 forward 32 × 128, ms", iterations, () => int8.Forward(large), ms => ms);
        ActivationKernels.GeluPath = ActivationKernels.GeluVariant.Pieces512;
    }

    static void Row(string what, int iterations, Action run, Func<double, double> unit)
    {
        var contenders = Variants.Select(v => new Alternating.Contender(v.Name, () => { ActivationKernels.GeluPath = v.Variant; run(); })).ToList();
        var t = Alternating.Run(contenders, warmup: 3, iterations: iterations);
        Console.WriteLine($"| {what} | " + string.Join(" | ", t.Select(c => $"{unit(c.Median):F3} ({unit(c.Min):F3})")) +
            $" | {t[1].Median / t[0].Median:F3} | {t[2].Median / t[0].Median:F3} |");
    }

    static readonly float[] L1Source = Enumerable.Range(0, 1024).Select(i => (i - 512) / 64f).ToArray();
    static readonly float[] L1Row = new float[1024], L1Bias = new float[1024];

    /// <summary>256 passes over one 4 KiB row. Each pass first copies the inputs back (so that the values stay in
    /// [−8, 8] rather than sliding towards denormals), with 64-byte stores at the offsets the 512-bit loop reads, the
    /// same copy for every variant. In some processes the 512-bit variant of this row runs several times slower than
    /// in others (see BENCHMARKS.md, "GELU, round nine"); the epilogue and GEMM rows have not shown it.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    static unsafe void RowLoop()
    {
        fixed (float* source = L1Source, row = L1Row, bias = L1Bias)
            for (int rep = 0; rep < 256; rep++)
            {
                for (int i = 0; i < 1024; i += 16) Vector512.Store(Vector512.Load(source + i), row + i);
                ActivationKernels.BiasActivate(row, bias, 1024, Activation.Gelu);
            }
    }

    public static void Header()
    {
        Console.WriteLine("| what (median (min)) | " + string.Join(" | ", Variants.Select(v => v.Name)) + " | pieces 256 / rational | pieces 512 / rational |");
        Console.WriteLine("|---|---|---|---|---|---|");
    }

    sealed unsafe class EpilogueJob(float[] y, float[] bias, int rows, int n) : TileJob
    {
        float* _y, _bias;
        int _tiles;

        public void Run(WorkerPool pool)
        {
            fixed (float* py = y, pb = bias)
            {
                _y = py; _bias = pb; _tiles = (rows + 62) / 63;
                pool.Run(this, _tiles);
            }
        }

        public override void RunTile(int tile)
        {
            int r0 = (int)((long)rows * tile / _tiles), r1 = (int)((long)rows * (tile + 1) / _tiles);
            for (int r = r0; r < r1; r++) ActivationKernels.BiasActivate(_y + (long)r * n, _bias, n, Activation.Gelu);
        }
    }
}
