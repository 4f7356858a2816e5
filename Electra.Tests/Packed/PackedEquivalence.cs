using Electra.Core.Backend;
using Electra.Core.Tensors;
using Electra.Models;
using Electra.Tests.Support;

namespace Electra.Tests.Packed;

/// <summary>
/// One random case of "SkipPadding on ≡ off at every real position": a random tiny model of a random head, a random
/// batch and a random mask (prefix masks, masks with holes, rows with one real token, rows with none).
/// </summary>
internal static class PackedEquivalence
{
    private const double Tol = 1e-5;

    private static readonly ElectraArchitecture[] Architectures = Enum.GetValues<ElectraArchitecture>();

    /// <returns>null when the outputs agree, else what differs.</returns>
    public static string? Check(IBackend backend, int seed)
    {
        var rng = new Random(seed);
        var architecture = Architectures[rng.Next(Architectures.Length)];
        var config = RandomModels.Config(rng, isDecoder: architecture == ElectraArchitecture.ElectraForCausalLM || rng.Next(4) == 0) with
        {
            SummaryType = new[] { "first", "last", "cls_index", "mean" }[rng.Next(4)],
            SummaryUseProj = rng.Next(2) == 0,
        };
        var model = RandomModels.Model(config, architecture, rng, backend);
        bool multipleChoice = architecture == ElectraArchitecture.ElectraForMultipleChoice;
        int batch = rng.Next(1, 4), choices = multipleChoice ? rng.Next(1, 3) : 1, seq = rng.Next(1, 13);
        int rows = batch * choices;
        var mask = RandomMask(rng, rows, seq);
        var ids = Enumerable.Range(0, rows * seq).Select(_ => rng.Next(config.VocabSize)).ToArray();
        var types = Enumerable.Range(0, rows * seq).Select(_ => rng.Next(config.TypeVocabSize)).ToArray();
        int[] shape = multipleChoice ? [batch, choices, seq] : [batch, seq];
        bool embeds = rng.Next(4) == 0;
        var inputs = new ModelInputs
        {
            InputIds = embeds ? null : HostIntTensor.Create(ids, shape),
            InputsEmbeds = embeds ? HostTensor.Create(RandomModels.Floats(rng, rows * seq * config.EmbeddingSize), [.. shape, config.EmbeddingSize]) : null,
            AttentionMask = HostIntTensor.Create(mask, shape),
            TokenTypeIds = HostIntTensor.Create(types, shape),
        };

        var padded = model.Forward(inputs);
        var skipped = model.Forward(inputs, ForwardOptions.RealTokensOnly);
        bool perToken = PackedOutputs.IsPerToken(architecture);
        string what = $"{architecture} (summary {config.SummaryType}, decoder {config.IsDecoder}, embeds {embeds}), shape [{string.Join(", ", shape)}], " +
                      $"mask {string.Join("", mask)}";
        if (!padded.Tensors.Keys.SequenceEqual(skipped.Tensors.Keys)) return $"{what}: outputs {string.Join(",", skipped.Tensors.Keys)}";
        foreach (var (name, expected) in padded.Tensors)
        {
            var actual = skipped[name];
            if (!expected.Shape.SequenceEqual(actual.Shape)) return $"{what}: {name} shape {TensorShape.Format(actual.Shape)}";
            bool mean = multipleChoice && config.SummaryType == "mean";
            var (e, a) = perToken
                ? (PackedOutputs.AtMask(expected, mask, 1), PackedOutputs.AtMask(actual, mask, 1))
                : (expected.Span.ToArray(), actual.Span.ToArray());
            for (int i = 0; i < e.Length; i++)
                if (!(Math.Abs(e[i] - a[i]) <= Tol + Tol * Math.Abs(e[i])))
                    return $"{what}: {name} value {i} is {a[i]:G9}, padded forward gives {e[i]:G9}";
            if (perToken && !mean && PackedOutputs.AtMask(actual, mask, 0).Any(v => v != 0f))
                return $"{what}: {name} is not 0 at a padded position";
        }
        return null;
    }

    /// <summary>Rows of several kinds: prefix padding, random holes, one real token, no real token, no padding.</summary>
    public static int[] RandomMask(Random rng, int rows, int seq)
    {
        var mask = new int[rows * seq];
        for (int r = 0; r < rows; r++)
        {
            var row = mask.AsSpan(r * seq, seq);
            switch (rng.Next(5))
            {
                case 0: row.Fill(1); break;
                case 1: row[..rng.Next(1, seq + 1)].Fill(1); break;
                case 2: for (int s = 0; s < seq; s++) row[s] = rng.Next(2); break;
                case 3: row[rng.Next(seq)] = 1; break;
                default: break;   // no real token at all
            }
        }
        return mask;
    }
}
