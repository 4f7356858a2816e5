using Electra.Core.Backend;
using Electra.Cpu.Kernels;
using Electra.Cpu.Kernels.Int8;

namespace Electra.Benchmarks;

/// <summary>
/// Where an int8 GEMM's time goes: the whole call next to each of its parts run alone on the same data and threads,
/// alternating in one process. The parts are the per-tensor range pass, the activation quantization (every row, split
/// by rows between the threads as the GEMM's row tiles do it), the epilogue (bias + activation over y) and the
/// call with the range given (no range pass); the integer kernels are what is left.
/// </summary>
public static class Int8PartsBench
{
    public static void Run(WorkerPool pool, int iterations, int rows)
    {
        Console.WriteLine($"int8 path {Int8IsaDetection.Describe(Int8IsaDetection.Best)}, {pool.Threads} threads, {rows} rows; ms median (min), CPU ms per call");
        Console.WriteLine("| GEMM M × N × K | f32 | int8 | int8, range given | range pass | quantize | epilogue | kernels (int8, range given − quantize − epilogue) |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|");
        foreach (var (n, k, act) in new[] { (256, 256, Activation.Identity), (1024, 256, Activation.Gelu), (256, 1024, Activation.Identity),
            (768, 768, Activation.Identity), (3072, 768, Activation.Gelu), (768, 3072, Activation.Identity) })
        {
            int m = rows;
            var rng = new Random(1);
            var x = new float[m * k];
            var w = new float[n * k];
            var b = new float[n];
            for (int i = 0; i < x.Length; i++) x[i] = (float)rng.NextDouble() - 0.5f;
            for (int i = 0; i < w.Length; i++)
                w[i] = 0.02f * MathF.Sqrt(-2 * MathF.Log(1 - (float)rng.NextDouble())) * MathF.Cos(2 * MathF.PI * (float)rng.NextDouble());
            for (int i = 0; i < b.Length; i++) b[i] = 0.01f * i / n;
            var packed = PackedWeight.Pack(w, n, k, b);
            var quantized = Int8PackedWeight.Pack(w, n, k, b, false);
            var y = new float[m * n];
            var parts = new PartsJob();
            var contenders = new List<Alternating.Contender>
            {
                new("f32", () => Gemm.Multiply(x, packed, y, act, pool)),
                new("int8", () => Int8Gemm.Multiply(x, quantized, y, act, false, pool)),
                new("int8 range given", () => parts.Gemm(x, m, quantized, y, act, pool)),
                new("range", () => parts.Range(x, m, k, pool)),
                new("quantize", () => parts.Quantize(x, m, quantized, pool)),
                new("epilogue", () => parts.Epilogue(y, m, quantized, act, pool)),
            };
            var t = Alternating.Run(contenders, warmup: 3, iterations: iterations);
            string Cell(Alternating.Timing c) => $"{c.Median:F3} ({c.Min:F3}), {c.CpuMs:F2}";
            double kernels = t[2].Median - t[4].Median - t[5].Median, kernelsCpu = t[2].CpuMs - t[4].CpuMs - t[5].CpuMs;
            Console.WriteLine($"| {m} × {n} × {k}{(act == Activation.Identity ? "" : " + " + act)} | {Cell(t[0])} | {Cell(t[1])} | {Cell(t[2])} | " +
                $"{Cell(t[3])} | {Cell(t[4])} | {Cell(t[5])} | {kernels:F3}, {kernelsCpu:F2} ({2.0 * m * n * k / kernels / 1e6:F0} GOP/s) |");
        }
    }

    /// <summary>Each part on the pool's threads, split by rows.</summary>
    sealed unsafe class PartsJob : TileJob
    {
        enum Part { Quantize, Epilogue }
        Part _part;
        float* _x, _y, _bias;
        int _rows, _k, _n, _tiles;
        Activation _act;
        ActivationQuantizer _q = null!;
        ValueRange _range;
        [ThreadStatic] static ScratchBuffer? t_codes;

        public void Range(float[] x, int rows, int k, WorkerPool pool)
        {
            fixed (float* px = x) _range = ActivationQuantizer.ForThread.Range(px, k, rows, k, pool);
        }

        public void Gemm(float[] x, int rows, Int8PackedWeight w, float[] y, Activation act, WorkerPool pool)
        {
            if (_range == default) Range(x, rows, w.InFeatures, pool);
            fixed (float* px = x)
            fixed (float* py = y)
                Int8Gemm.MultiplyWithRanges(px, w.InFeatures, rows, w, py, w.OutFeatures, act, false, pool, _range, outputRange: false);
        }

        public void Quantize(float[] x, int rows, Int8PackedWeight w, WorkerPool pool)
        {
            if (_range == default) Range(x, rows, w.InFeatures, pool);
            _q = ActivationQuantizer.ForThread;
            _q.Prepare(rows, w.InFeatures, w.Quads, false, w.Isa, _range);
            fixed (float* px = x) { _x = px; Split(Part.Quantize, rows, w.InFeatures, pool); }
        }

        public void Epilogue(float[] y, int rows, Int8PackedWeight w, Activation act, WorkerPool pool)
        {
            fixed (float* py = y)
            fixed (float* pb = w.Bias)
            {
                _y = py; _bias = pb; _n = w.OutFeatures; _act = act;
                Split(Part.Epilogue, rows, w.InFeatures, pool);
            }
        }

        void Split(Part part, int rows, int k, WorkerPool pool)
        {
            _part = part; _rows = rows; _k = k;
            _tiles = (rows + 62) / 63;
            pool.Run(this, _tiles);
        }

        public override void RunTile(int tile)
        {
            int r0 = (int)((long)_rows * tile / _tiles), r1 = (int)((long)_rows * (tile + 1) / _tiles);
            if (_part == Part.Quantize)
            {
                byte* codes = (byte*)(t_codes ??= new ScratchBuffer()).Get(((long)(r1 - r0) * _q.Stride + 3) / 4);
                _q.QuantizeRows(_x, _k, r0, r1, codes);
            }
            else
                for (int r = r0; r < r1; r++)
                    ActivationKernels.BiasActivate(_y + (long)r * _n, _bias, _n, _act);
        }
    }
}
