using Electra.Core.Tensors;
using Electra.Models;
using Electra.Models.Pipelines;
using Electra.Tokenizer;

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

    // For the discriminator: the token most likely to have been replaced, per row, scored as the replaced-token detection
    // pipeline scores tokens (the sigmoid of the logit) and named through the model folder's vocabulary when it has one.
    private static IEnumerable<string> ReplacedTokens(ElectraPretrained model, HostIntTensor ids, HostIntTensor? mask, HostTensor logits)
    {
        int rows = ids.Shape[0], seq = ids.Shape[1];
        var vocabulary = model.SourceDirectory is { } d && File.Exists(Path.Combine(d, "vocab.txt")) ? Vocabulary.FromFile(Path.Combine(d, "vocab.txt")) : null;
        string Name(int id) => vocabulary?.TokenOf(id) ?? $"#{id}";
        bool IsSpecial(int id) => Name(id) is "[CLS]" or "[SEP]" or "[PAD]";
        for (int r = 0; r < rows; r++)
        {
            int best = -1;
            double bestP = -1;
            for (int s = 0; s < seq; s++)
            {
                if (mask is not null && mask.Span[r * seq + s] == 0) continue;
                double p = PipelineMath.Sigmoid(logits.Span[r * seq + s]);
                if (p > bestP && !IsSpecial(ids.Span[r * seq + s]))
                {
                    bestP = p;
                    best = s;
                }
            }
            if (best >= 0)
                yield return $"row {r}    most likely replaced: token {best} '{Name(ids.Span[r * seq + best])}' p={bestP:F3}";
        }
    }
}
