using Electra.Cpu;
using Electra.Models;

namespace Electra.Benchmarks;

/// <summary>
/// The whole forward as round nine ran it (the q, k, v projections and the attention one after the other, the embeddings
/// composed of gathers, an add and a LayerNorm) against round ten's fusions (<see cref="CpuForwardPass.FusesSelfAttention"/>,
/// then also <see cref="CpuForwardPass.EmbedsInOnePass"/>), alternating blocks in one process (times from two processes on
/// shared cores are incomparable): float32 1 × 128 and 32 × 128, int8 32 × 128 and 1 × 128, 8 × 512 both. Also checks
/// that all three give the same logits, bit for bit.
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
            void Set(bool attention, bool embed) => (CpuForwardPass.FusesSelfAttention, CpuForwardPass.EmbedsInOnePass) = (attention, embed);
            float[] Logits(bool attention, bool embed)
            {
                Set(attention, embed);
                return model.Forward(inputs).Logits!.Span.ToArray();
            }
            var reference = Logits(false, false);
            int differ = new[] { Logits(true, false), Logits(true, true) }
                .Sum(l => l.Zip(reference).Count(p => BitConverter.SingleToInt32Bits(p.First) != BitConverter.SingleToInt32Bits(p.Second)));
            int calls = batch == 1 ? 20 : 1;
            void Forward(bool attention, bool embed)
            {
                Set(attention, embed);
                for (int i = 0; i < calls; i++) model.Forward(inputs);
            }
            var t = Alternating.Run([new("round nine", () => Forward(false, false)), new("fused attention", () => Forward(true, false)),
                new("fused attention + one-pass embeddings", () => Forward(true, true))], warmup: 3, iterations: iterations);
            Set(true, true);
            Console.WriteLine($"{batch} × {seq} {(int8 ? "int8" : "float32")} (logits differing in bits from round nine's: {differ}):");
            foreach (var x in t)
                Console.WriteLine($"  {x.Name}: median {x.Median / calls:F2} ms (min {x.Min / calls:F2}); / round nine: medians {x.Median / t[0].Median:F3}, mins {x.Min / t[0].Min:F3}, CPU {x.CpuMs / t[0].CpuMs:F3}");
        }
    }
}
