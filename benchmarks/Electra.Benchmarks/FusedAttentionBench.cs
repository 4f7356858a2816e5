using Electra.Cpu;
using Electra.Models;

namespace Electra.Benchmarks;

/// <summary>
/// The whole forward with the q, k, v projections fused into the attention (<see cref="CpuForwardPass.FusesSelfAttention"/>)
/// against the two one after the other, alternating blocks in one process (times from two processes on shared cores
/// are incomparable): float32 1 × 128 and 32 × 128, int8 32 × 128 and 1 × 128. Also checks the logits are the same bits.
/// </summary>
public static class FusedAttentionBench
{
    public static void Run(string modelDir, int threads, int iterations)
    {
        foreach (var (batch, seq, int8) in new[] { (1, 128, false), (32, 128, true), (1, 128, true), (32, 128, false), (8, 512, false), (8, 512, true) })
        {
            using var backend = new CpuBackend(new CpuBackendOptions(threads, Quantization: int8 ? new Int8Quantization(false, false) : null));
            var model = ElectraPretrained.Load(modelDir, backend);
            var inputs = Electra.Cli.Benchmarking.BenchInputs.Create(batch, seq, 0, model.Config.VocabSize).ToModelInputs();
            float[] Logits(bool fused)
            {
                CpuForwardPass.FusesSelfAttention = fused;
                return model.Forward(inputs).Logits!.Span.ToArray();
            }
            var (a, b) = (Logits(true), Logits(false));
            int differ = a.Zip(b).Count(p => BitConverter.SingleToInt32Bits(p.First) != BitConverter.SingleToInt32Bits(p.Second));
            int calls = batch == 1 ? 20 : 1;
            void Forward(bool fused)
            {
                CpuForwardPass.FusesSelfAttention = fused;
                for (int i = 0; i < calls; i++) model.Forward(inputs);
            }
            var t = Alternating.Run([new("unfused", () => Forward(false)), new("fused", () => Forward(true))], warmup: 3, iterations: iterations);
            CpuForwardPass.FusesSelfAttention = true;
            Console.WriteLine($"{batch} × {seq} {(int8 ? "int8" : "float32")}: unfused {t[0].Median / calls:F2} ms (min {t[0].Min / calls:F2}), " +
                $"fused {t[1].Median / calls:F2} ms (min {t[1].Min / calls:F2}); fused / unfused: medians {t[1].Median / t[0].Median:F3}, " +
                $"mins {t[1].Min / t[0].Min:F3}, CPU {t[1].CpuMs / t[0].CpuMs:F3}; logits differing in bits: {differ} of {a.Length}");
        }
    }
}
