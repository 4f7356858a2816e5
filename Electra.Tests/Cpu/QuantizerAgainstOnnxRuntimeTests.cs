using Electra.Cpu.Kernels.Int8;
using Electra.Tests.Support;
using FsCheck.Xunit;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Electra.Tests.Cpu;

/// <summary>
/// Our activation quantizer against ONNX Runtime's own DynamicQuantizeLinear (a one-node model run in process), on odd
/// lengths and extreme values: the same scale and zero point bit for bit and the same code for every value. ONNX
/// Runtime's int8 model quantizes every linear's input with this operator (or the same routines fused into
/// DynamicQuantizeMatMul), so this is what makes the two int8 models take the same codes from the same input.
/// </summary>
public sealed class QuantizerAgainstOnnxRuntimeTests : IDisposable
{
    readonly InferenceSession _session = new(OnnxSingleNode.Model("DynamicQuantizeLinear",
        [("x", OnnxSingleNode.Float)], [("y", OnnxSingleNode.UInt8), ("scale", OnnxSingleNode.Float), ("zero", OnnxSingleNode.UInt8)]));

    public void Dispose() => _session.Dispose();

    (byte[] Codes, float Scale, byte Zero) OnnxRuntime(float[] x)
    {
        using var results = _session.Run([NamedOnnxValue.CreateFromTensor("x", new DenseTensor<float>(x, [x.Length]))]);
        var list = results.ToList();
        return (list[0].AsTensor<byte>().ToArray(), list[1].AsTensor<float>().ToArray()[0], list[2].AsTensor<byte>().ToArray()[0]);
    }

    /// <summary>Our quantizer over x as one tensor of <paramref name="rows"/> rows, codes as DynamicQuantizeLinear writes them.</summary>
    static unsafe (byte[] Codes, float Scale, int Zero) Ours(float[] x, int rows, Int8Isa isa)
    {
        int k = x.Length / rows;
        var q = new ActivationQuantizer();
        var codes = new byte[x.Length];
        fixed (float* px = x)
        {
            q.Prepare(rows, k, (k + 3) / 4, perRow: false, isa, q.Range(px, k, rows, k, null));
            q.QuantizeAll(px, k, rows);
            byte flip = Int8IsaDetection.SignedActivations(isa) ? (byte)0x80 : (byte)0;
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < k; c++)
                    codes[r * k + c] = (byte)(q.Codes[r * q.Stride + c] ^ flip);
            // The epilogue's offset is (signed ? 128 : 0) − zero point: recover the zero point from it.
            return (codes, q.RowScales[0], (Int8IsaDetection.SignedActivations(isa) ? 128 : 0) - q.RowOffsets[0]);
        }
    }

    static void AssertSame(float[] x, int rows, (byte[] Codes, float Scale, byte Zero) expected, string what)
    {
        foreach (var isa in new[] { Int8Isa.Portable, Int8Isa.Avx2, Int8Isa.AvxVnni, Int8Isa.Avx512, Int8Isa.Avx512Vnni })
        {
            var (codes, scale, zero) = Ours(x, rows, isa);
            Assert.True(BitConverter.SingleToInt32Bits(scale) == BitConverter.SingleToInt32Bits(expected.Scale),
                $"{what}, {isa}: scale {scale:G9}, ONNX Runtime {expected.Scale:G9}");
            Assert.True(zero == expected.Zero, $"{what}, {isa}: zero point {zero}, ONNX Runtime {expected.Zero}");
            for (int i = 0; i < x.Length; i++)
                Assert.True(codes[i] == expected.Codes[i], $"{what}, {isa}: code {i} of {x[i]:G9} = {codes[i]}, ONNX Runtime {expected.Codes[i]}");
        }
    }

    /// <summary>Random values at scales from 1e-30 to 1e30, odd lengths and row counts, shifted to one sign or not.</summary>
    [Property(MaxTest = 60)]
    public void MatchesOnnxRuntimeOnRandomTensors(byte lengthSel, byte rowsSel, int seed, sbyte exponentSel, byte signSel)
    {
        int rows = 1 + rowsSel % 5, k = 1 + lengthSel % 97;
        var rng = new Random(seed);
        float magnitude = MathF.Pow(10, exponentSel % 31);
        var x = new float[rows * k];
        for (int i = 0; i < x.Length; i++)
        {
            float v = (float)(rng.NextDouble() * 2 - 1) * magnitude;
            x[i] = (signSel % 3) switch { 0 => v, 1 => MathF.Abs(v), _ => -MathF.Abs(v) };
        }
        AssertSame(x, rows, OnnxRuntime(x), $"{rows} × {k}, magnitude {magnitude:G3}, seed {seed}");
    }

    /// <summary>Values on exact .5 ties of x / scale, both ends of the range, a zero point that lands on a tie, and
    /// degenerate ranges (all zero, one value, a range of one ulp, denormals).</summary>
    [Theory]
    [InlineData("ties")]
    [InlineData("near ties")]
    [InlineData("zero point tie")]
    [InlineData("all zero")]
    [InlineData("one positive value")]
    [InlineData("one negative value")]
    [InlineData("denormals")]
    [InlineData("huge")]
    public void MatchesOnnxRuntimeOnEdgeCases(string kind)
    {
        float[] x = kind switch
        {
            // Range [−8, 7.9375]: scale 1/16, so (j + 0.5) / 16 is a tie, rounded to even either way.
            "ties" => [.. Enumerable.Range(-128, 255).Select(j => (j + 0.5f) / 16), -8f, 7.9375f, 0f],
            // A scale that is not a power of two: (j + 0.5)·scale rounded to float lands within an ulp or two of a tie,
            // where x / scale and x · (1 / scale) round apart.
            "near ties" => NearTies(-1.3f, 2.9f),
            // −min / scale = 127.5 exactly: min = −127.5·s, max = 127.5·s with s = 1/16.
            "zero point tie" => [-127.5f / 16, 127.5f / 16, 1f, -1f, 0.03125f, -0.03125f, 3.3f],
            "all zero" => new float[33],
            "one positive value" => [0f, 0f, 2.5f, 0f, 1.25f],
            "one negative value" => [-3f, -1.5f, -0.75f],
            "denormals" => [1e-45f, -1e-45f, 3e-42f, -7e-40f, 1.1754942e-38f, 0f],
            "huge" => [1e37f, -2e37f, 3.4e37f, -1e30f, 5e36f, 0f, 1f],
            _ => throw new ArgumentException(kind),
        };
        AssertSame(x, 1, OnnxRuntime(x), kind);
    }

    /// <summary>
    /// Values within 1 to 6 ulps of every tie (j + ½)·scale, for ranges of any magnitude (1e-30 to 1e30) and width:
    /// where a quantizer that does not divide exactly as DynamicQuantizeLinear does (a product with 1/scale, a wrong
    /// margin around the ties) would give another code.
    /// </summary>
    [Property(MaxTest = 40)]
    public void MatchesOnnxRuntimeNearTiesAtAnyScale(int seed, sbyte exponentSel, byte ulpsSel)
    {
        var rng = new Random(seed);
        float magnitude = MathF.Pow(10, exponentSel % 31);
        float min = -(float)rng.NextDouble() * magnitude, max = (float)rng.NextDouble() * magnitude + magnitude / 100;
        var x = NearTies(min, max, 1 + ulpsSel % 6);
        AssertSame(x, 1, OnnxRuntime(x), $"near ties of [{min:G9}, {max:G9}], seed {seed}");
    }

    static float[] NearTies(float min, float max, int reach = 2)
    {
        float scale = (max - min) / 255f;
        int zero = (int)MathF.Round(-min / scale);
        var x = new List<float> { min, max };
        for (int j = -zero; j < 255 - zero; j++)
            for (int ulps = -reach; ulps <= reach; ulps++)
            {
                float tie = (j + 0.5f) * scale;
                int bits = BitConverter.SingleToInt32Bits(tie) + (tie < 0 ? -ulps : ulps);
                x.Add(Math.Clamp(BitConverter.Int32BitsToSingle(bits), min, max));
            }
        return [.. x];
    }
}
