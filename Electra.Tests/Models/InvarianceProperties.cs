using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Electra.Core.Tensors;
using Electra.Cpu;
using Electra.Models;
using Electra.Tests.Support;

namespace Electra.Tests.Models;

/// <summary>Padding and batching must not change the outputs at real positions (the usual ORT/batching bug).</summary>
public class InvarianceProperties
{
    private const float Tolerance = 2e-5f;

    [Property(MaxTest = 25)]
    public Property PaddingLeavesRealPositionsUnchanged() =>
        Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), seed =>
        {
            var rng = new Random(seed);
            using var backend = new CpuBackend();
            var config = RandomModels.Config(rng, isDecoder: rng.Next(3) == 0);
            var model = RandomModels.Model(config, ElectraArchitecture.ElectraForTokenClassification, rng, backend);
            int seq = rng.Next(1, 20), pad = rng.Next(1, 10);
            var ids = Enumerable.Range(0, seq).Select(_ => rng.Next(1, config.VocabSize)).ToArray();
            var plain = model.Forward(ModelInputs.FromIds([ids]), ForwardOptions.Everything);
            var padded = model.Forward(ModelInputs.FromIds(
                [ids.Concat(Enumerable.Repeat(0, pad)).ToArray()],
                [Enumerable.Repeat(1, seq).Concat(Enumerable.Repeat(0, pad)).ToArray()]), ForwardOptions.Everything);
            return SamePrefix(plain.Logits!, padded.Logits!, seq, config.NumLabels)
                   && SamePrefix(plain.HiddenStates[^1], padded.HiddenStates[^1], seq, config.HiddenSize);
        });

    [Property(MaxTest = 25)]
    public Property SequenceAloneEqualsSequenceInPaddedBatch() =>
        Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), seed =>
        {
            var rng = new Random(seed);
            using var backend = new CpuBackend();
            var config = RandomModels.Config(rng);
            var model = RandomModels.Model(config, ElectraArchitecture.ElectraForPreTraining, rng, backend);
            int batch = rng.Next(2, 5);
            var lengths = Enumerable.Range(0, batch).Select(_ => rng.Next(1, 16)).ToArray();
            int max = lengths.Max();
            var rows = lengths.Select(n => Enumerable.Range(0, n).Select(_ => rng.Next(1, config.VocabSize)).ToArray()).ToArray();
            var types = lengths.Select(n => Enumerable.Range(0, n).Select(i => i < n / 2 ? 0 : 1).ToArray()).ToArray();
            var batched = model.Forward(ModelInputs.FromIds(
                rows.Select(r => r.Concat(Enumerable.Repeat(0, max - r.Length)).ToArray()).ToArray(),
                lengths.Select(n => Enumerable.Repeat(1, n).Concat(Enumerable.Repeat(0, max - n)).ToArray()).ToArray(),
                types.Select(t => t.Concat(Enumerable.Repeat(0, max - t.Length)).ToArray()).ToArray()));
            for (int b = 0; b < batch; b++)
            {
                var alone = model.Forward(ModelInputs.FromIds([rows[b]], null, [types[b]]));
                var row = batched.Logits!.Span.Slice(b * max, lengths[b]);
                for (int s = 0; s < lengths[b]; s++)
                    if (Math.Abs(row[s] - alone.Logits!.Span[s]) > Tolerance * (1 + Math.Abs(row[s]))) return false;
            }
            return true;
        });

    private static bool SamePrefix(HostTensor plain, HostTensor padded, int seq, int width)
    {
        for (int i = 0; i < seq * width; i++)
            if (Math.Abs(plain.Span[i] - padded.Span[i]) > Tolerance * (1 + Math.Abs(plain.Span[i]))) return false;
        return true;
    }
}
