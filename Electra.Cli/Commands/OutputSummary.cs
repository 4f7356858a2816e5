using Electra.Core.Tensors;
using Electra.Models;

namespace Electra.Cli.Commands;

/// <summary>A few human-readable lines about a forward pass's outputs.</summary>
internal static class OutputSummary
{
    public static IEnumerable<string> Describe(ElectraPretrained model, ModelInputs inputs, ModelOutput output)
    {
        var main = output.Tensors.Where(kv => !kv.Key.StartsWith("hidden_states.") && !kv.Key.StartsWith("attentions."));
        foreach (var (name, t) in main) yield return $"output   {name} {TensorShape.Format(t.Shape)}";
        int layers = output.HiddenStates.Length;
        if (layers > 0) yield return $"output   hidden_states.0..{layers - 1} {TensorShape.Format(output.HiddenStates[0].Shape)}, attentions.0..{output.Attentions.Length - 1}";
        if (output.Loss is { } loss) yield return $"loss     {loss:G6}";
        if (model.Architecture == ElectraArchitecture.ElectraForPreTraining && inputs.InputIds is { } ids)
            foreach (var line in ReplacedTokens(model, ids, inputs.AttentionMask, output.Logits!)) yield return line;
    }

    // For the discriminator: the token most likely to have been replaced, per row, named through vocab.txt when present.
    private static IEnumerable<string> ReplacedTokens(ElectraPretrained model, HostIntTensor ids, HostIntTensor? mask, HostTensor logits)
    {
        int rows = ids.Shape[0], seq = ids.Shape[1];
        var vocab = VocabNames.TryLoad(model);
        for (int r = 0; r < rows; r++)
        {
            int best = -1;
            double bestP = -1;
            for (int s = 0; s < seq; s++)
            {
                if (mask is not null && mask.Span[r * seq + s] == 0) continue;
                double p = 1 / (1 + Math.Exp(-logits.Span[r * seq + s]));
                if (p > bestP && !vocab.IsSpecial(ids.Span[r * seq + s]))
                {
                    bestP = p;
                    best = s;
                }
            }
            if (best >= 0)
                yield return $"row {r}    most likely replaced: token {best} '{vocab.Name(ids.Span[r * seq + best])}' p={bestP:F3}";
        }
    }
}

/// <summary>Token names from the model folder's vocab.txt, for display only.</summary>
internal sealed class VocabNames(string[]? names)
{
    public static VocabNames TryLoad(ElectraPretrained model) =>
        new(model.SourceDirectory is { } d && File.Exists(Path.Combine(d, "vocab.txt")) ? File.ReadAllLines(Path.Combine(d, "vocab.txt")) : null);

    public string Name(int id) => names is not null && id < names.Length ? names[id] : $"#{id}";

    public bool IsSpecial(int id) => Name(id) is "[CLS]" or "[SEP]" or "[PAD]";
}
