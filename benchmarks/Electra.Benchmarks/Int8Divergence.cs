using Electra.Cli.Benchmarking;
using Electra.Cpu;
using Electra.Cpu.Kernels.Int8;
using Electra.Models;

namespace Electra.Benchmarks;

/// <summary>
/// Where our int8 forward and ONNX Runtime's int8 model part: at every DynamicQuantizeLinear of ORT's model (the input
/// of each int8 linear), the largest difference of the two float inputs, whether scale and zero point agree, and how
/// many codes differ; beside it the same difference between the two float32 forwards (the rounding noise of the
/// float32 parts alone). First it checks that our quantizer, given ORT's own input, writes ORT's codes, scale and zero
/// point, and that exposing those outputs did not change ORT's logits. Copies of the ORT models with the extra outputs:
/// tools/expose_quantized_inputs.py.
/// </summary>
public static class Int8Divergence
{
    static readonly string[] Points = ["qkv in", "context", "ffn in", "gelu out"];

    public static void Run(string modelDir, string ortDir, int threads, int batch, int seq, int seed)
    {
        var f32Capture = new QuantizedInputCapture(new CpuBackend(new CpuBackendOptions(threads)));
        var int8Capture = new QuantizedInputCapture(new CpuBackend(new CpuBackendOptions(threads, Quantization: Int8Quantization.Default)));
        using var f32Backend = f32Capture;
        using var int8Backend = int8Capture;
        var f32 = ElectraPretrained.Load(modelDir, f32Capture);
        var int8 = ElectraPretrained.Load(modelDir, int8Capture);
        using var ortInt8 = new OrtRunner(Path.Combine(ortDir, "model.onnx"), threads);
        using var ortExposed = new OrtRunner(Path.Combine(ortDir, "exposed.onnx"), threads);
        using var ortCodes = new OrtRunner(Path.Combine(ortDir, "exposed-codes.onnx"), threads);
        using var ortF32 = new OrtRunner(Path.Combine(ortDir, "float-exposed.onnx"), threads);

        var inputs = BenchInputs.Create(batch, seq, 0, f32.Config.VocabSize, seed);
        var model = inputs.ToModelInputs();
        var oursF32Logits = f32.Forward(model).Logits!.ToArray();
        var oursF32 = f32Capture.Captured.ToList();
        var oursInt8Logits = int8.Forward(model).Logits!.ToArray();
        var oursInt8 = int8Capture.Captured.ToList();
        var ortLogits = ortInt8.Run(ortInt8.Feed(inputs));
        var exposed = ortExposed.RunAll(ortExposed.Feed(inputs));
        var codes = ortCodes.RunAll(ortCodes.Feed(inputs));
        var ortF32Out = ortF32.RunAll(ortF32.Feed(inputs));
        int points = exposed.Count - 1;
        if (oursInt8.Count != points || oursF32.Count != points || codes.Count != 1 + 4 * points || ortF32Out.Count != points + 1)
            throw new InvalidOperationException($"points: ours {oursInt8.Count} / {oursF32.Count}, ORT {points}, {codes.Count}, {ortF32Out.Count}");

        Console.WriteLine($"{batch} × {seq}, seed {seed}, {points} quantized inputs; our int8 ISA {Int8IsaDetection.Best}");
        Console.WriteLine($"ORT logits with exposed inputs equal the plain model's: {MaxAbs(ortLogits, (float[])exposed[0].Values) == 0}; " +
            $"with exposed codes: {MaxAbs(ortLogits, (float[])codes[0].Values) == 0}");
        Console.WriteLine($"logits max abs: ours int8 − ORT int8 {MaxAbs(oursInt8Logits, ortLogits):E2}; " +
            $"ours f32 − ORT f32 {MaxAbs(oursF32Logits, (float[])ortF32Out[0].Values):E2}; " +
            $"ours int8 − f32 {MaxAbs(oursInt8Logits, oursF32Logits):E2}; ORT int8 − f32 {MaxAbs(ortLogits, oursF32Logits):E2}");

        // Our quantizer on ORT's own inputs: the scalar definition and the kernels' quantizer, code for code.
        long scalarMismatch = 0, kernelMismatch = 0, paramMismatch = 0, total = 0;
        for (int p = 0; p < points; p++)
        {
            var x = (float[])codes[1 + 4 * p].Values;
            var q = (byte[])codes[2 + 4 * p].Values;
            float scale = ((float[])codes[3 + 4 * p].Values)[0];
            int zero = ((byte[])codes[4 + 4 * p].Values)[0];
            var (ourScale, ourZero) = Parameters(x);
            if (ourScale != scale || ourZero != zero) paramMismatch++;
            var scalar = ScalarCodes(x, ourScale, ourZero);
            var kernel = KernelCodes(x, batch * seq, x.Length / (batch * seq));
            for (int i = 0; i < q.Length; i++)
            {
                if (scalar[i] != q[i]) scalarMismatch++;
                if (kernel[i] != q[i]) kernelMismatch++;
            }
            total += q.Length;
        }
        Console.WriteLine($"our quantizer on ORT's inputs: scale/zero point differ at {paramMismatch} of {points} points; codes differ: " +
            $"scalar definition {scalarMismatch}, kernels' quantizer {kernelMismatch} of {total}");

        Console.WriteLine("| layer | input | f32: max abs ours − ORT | int8: max abs ours − ORT | int8: scale ours / ORT | zero point ours / ORT | codes differing (by more than 1) | int8 − f32 max abs ours / ORT | mean abs ours / ORT |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|");
        for (int p = 0; p < points; p++)
        {
            var ortX = (float[])exposed[1 + p].Values;
            var (s1, z1) = Parameters(oursInt8[p]);
            var (s2, z2) = Parameters(ortX);
            var c1 = ScalarCodes(oursInt8[p], s1, z1);
            var c2 = ScalarCodes(ortX, s2, z2);
            int differ = 0, far = 0;
            for (int i = 0; i < c1.Length; i++)
            {
                if (c1[i] != c2[i]) differ++;
                if (Math.Abs(c1[i] - c2[i]) > 1) far++;
            }
            var ortF32X = (float[])ortF32Out[1 + p].Values;
            Console.WriteLine($"| {p / 4} | {Points[p % 4]} | {MaxAbs(oursF32[p], (float[])ortF32Out[1 + p].Values):E1} | {MaxAbs(oursInt8[p], ortX):E1} | " +
                $"{s1:G9} / {s2:G9} | {z1} / {z2} | {differ} of {c1.Length} ({100.0 * differ / c1.Length:F3}%; {far}) | " +
                $"{MaxAbs(oursInt8[p], oursF32[p]):E2} / {MaxAbs(ortX, ortF32X):E2} | {MeanAbs(oursInt8[p], oursF32[p]):E2} / {MeanAbs(ortX, ortF32X):E2} |");
        }
    }

    static double MaxAbs(float[] a, float[] b)
    {
        if (a.Length != b.Length) throw new InvalidOperationException($"lengths {a.Length} and {b.Length}");
        double max = 0;
        for (int i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs((double)a[i] - b[i]));
        return max;
    }

    static double MeanAbs(float[] a, float[] b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += Math.Abs((double)a[i] - b[i]);
        return sum / a.Length;
    }

    static (float Scale, int Zero) Parameters(float[] x)
    {
        float min = 0, max = 0;
        foreach (var v in x) { min = MathF.Min(min, v); max = MathF.Max(max, v); }
        return ActivationQuantizer.Parameters(min, max);
    }

    /// <summary>DynamicQuantizeLinear's definition, one value at a time.</summary>
    static byte[] ScalarCodes(float[] x, float scale, int zero)
    {
        var codes = new byte[x.Length];
        for (int i = 0; i < x.Length; i++) codes[i] = (byte)Math.Clamp(MathF.Round(x[i] / scale) + zero, 0f, 255f);
        return codes;
    }

    /// <summary>The codes the int8 GEMM's quantizer writes (signed bytes turned back into DynamicQuantizeLinear's).</summary>
    static unsafe byte[] KernelCodes(float[] x, int rows, int k)
    {
        var isa = Int8IsaDetection.Best;
        var quantizer = new ActivationQuantizer();
        var codes = new byte[x.Length];
        fixed (float* px = x)
        {
            var range = quantizer.Range(px, k, rows, k, null);
            quantizer.Prepare(rows, k, (k + 3) / 4, false, isa, range);
            quantizer.QuantizeAll(px, k, rows);
            byte flip = Int8IsaDetection.SignedActivations(isa) ? (byte)0x80 : (byte)0;
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < k; c++)
                    codes[r * k + c] = (byte)(quantizer.Codes[r * quantizer.Stride + c] ^ flip);
        }
        return codes;
    }
}
