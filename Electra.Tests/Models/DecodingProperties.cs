using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Electra.Core.Errors;
using Electra.Cpu;
using Electra.Models;
using Electra.Models.Generation;
using Electra.Tests.Support;

namespace Electra.Tests.Models;

/// <summary>Key/value-cache decoding must give the logits of a full recompute (transformers' past_key_values contract).</summary>
public class DecodingProperties
{
    [Property(MaxTest = 25)]
    public Property CachedStepsEqualFullRecompute() =>
        Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), seed =>
        {
            var rng = new Random(seed);
            using var backend = new CpuBackend();
            var config = RandomModels.Config(rng, isDecoder: true);
            var model = RandomModels.Model(config, ElectraArchitecture.ElectraForCausalLM, rng, backend);
            int rows = rng.Next(1, 3), total = rng.Next(2, 24), prefix = rng.Next(1, total);
            var ids = Enumerable.Range(0, rows).Select(_ => Enumerable.Range(0, total).Select(_ => rng.Next(1, config.VocabSize)).ToArray()).ToArray();
            var full = model.Forward(ModelInputs.FromIds(ids)).Logits!.Span.ToArray();

            using var session = model.StartDecoding(rows);
            var pieces = new List<(int Start, float[] Logits, int Length)>();
            var first = session.Step(ids.Select(r => r[..prefix]).ToArray());
            pieces.Add((0, first.ToArray(), prefix));
            for (int at = prefix; at < total;)
            {
                int n = Math.Min(total - at, rng.Next(1, 4));
                pieces.Add((at, session.Step(ids.Select(r => r[at..(at + n)]).ToArray()).ToArray(), n));
                at += n;
            }
            int v = config.VocabSize;
            foreach (var (start, logits, length) in pieces)
                for (int r = 0; r < rows; r++)
                    for (int s = 0; s < length; s++)
                        for (int c = 0; c < v; c++)
                        {
                            float expected = full[(r * total + start + s) * v + c];
                            float actual = logits[(r * length + s) * v + c];
                            if (Math.Abs(expected - actual) > 1e-4 * (1 + Math.Abs(expected))) return false;
                        }
            return session.Length == total;
        });

    [Fact]
    public void GreedyGenerationEqualsArgmaxOfFullRecomputes()
    {
        using var backend = new CpuBackend();
        var model = ElectraPretrained.Load(SharedData.Fixture("causallm_untied_gelu_new"), backend);
        int[] prompt = [5, 17, 33];
        var generated = model.Generate(prompt, new GenerationOptions(MaxLength: 12, EosTokenId: -1));
        Assert.Equal(12, generated.Length);
        Assert.Equal(prompt, generated.Take(3));
        // Independent path: full forward over the whole sequence at every step, arg-max of the last position.
        var tokens = prompt.ToList();
        while (tokens.Count < 12)
        {
            var logits = model.Forward(ModelInputs.FromIds([tokens.ToArray()])).Logits!.Span;
            var last = logits[^model.Config.VocabSize..];
            int best = 0;
            for (int i = 1; i < last.Length; i++) if (last[i] > last[best]) best = i;
            tokens.Add(best);
        }
        Assert.Equal(tokens, generated);
    }

    [Fact]
    public void DecodingAnEncoderIsATypedError()
    {
        using var backend = new CpuBackend();
        var model = ElectraPretrained.Load(SharedData.Fixture("maskedlm_tied_gelu_new"), backend);
        Assert.Contains("is_decoder", Assert.Throws<InputException>(() => model.StartDecoding()).Message);
    }
}
