using Electra.Core.Backend;
using Electra.Core.Configuration;
using Electra.Models.Loading;
using Electra.Models.Losses;

namespace Electra.Models.Heads;

/// <summary>HF: ElectraForCausalLM: <see cref="LanguageModelingHead"/> with the next-token loss.</summary>
public sealed record CausalLMHead(ElectraGeneratorPredictions GeneratorPredictions, LinearWeight GeneratorLmHead)
    : LanguageModelingHead(GeneratorPredictions, GeneratorLmHead)
{
    public override ElectraArchitecture Architecture => ElectraArchitecture.ElectraForCausalLM;

    internal static CausalLMHead Load(WeightReader weights, string bodyPrefix, ElectraConfig config) =>
        Load(weights, bodyPrefix, config, (predictions, lmHead) => new CausalLMHead(predictions, lmHead));

    /// <summary>Next-token prediction: the logits at position t are scored against label t + 1.</summary>
    internal override double? Loss(in LossInputs l)
    {
        if (l.TokenLabels() is not { } labels) return null;
        int v = l.Config.VocabSize, s = l.Prepared.Seq, rows = l.Prepared.Rows;
        var logits = l.Output("logits");
        var shiftedLogits = new float[rows * (s - 1) * v];
        var shiftedLabels = new int[rows * (s - 1)];
        for (int r = 0; r < rows; r++)
        {
            logits.Slice(r * s * v, (s - 1) * v).CopyTo(shiftedLogits.AsSpan(r * (s - 1) * v));
            labels.Span.Slice(r * s + 1, s - 1).CopyTo(shiftedLabels.AsSpan(r * (s - 1)));
        }
        return LossFunctions.CrossEntropy(shiftedLogits, v, shiftedLabels);
    }
}
