using Electra.Core.Backend;
using Electra.Core.Configuration;
using Electra.Core.Tensors;
using Electra.Models.Forward;
using Electra.Models.Loading;
using Electra.Models.Losses;

namespace Electra.Models.Heads;

/// <summary>HF: ElectraForCausalLM: <see cref="LanguageModelingHead"/> with the next-token loss.</summary>
public sealed record CausalLMHead(ElectraGeneratorPredictions GeneratorPredictions, LinearWeight GeneratorLmHead)
    : LanguageModelingHead(GeneratorPredictions, GeneratorLmHead)
{
    public override ElectraArchitecture Architecture => ElectraArchitecture.ElectraForCausalLM;

    internal static CausalLMHead Load(WeightReader weights, string bodyPrefix, ElectraConfig config)
    {
        var (predictions, lmHead) = LoadParts(weights, bodyPrefix, config);
        return new CausalLMHead(predictions, lmHead);
    }

    /// <summary>Next-token prediction: the logits at position t are scored against label t + 1.</summary>
    internal override double? Loss(ElectraConfig config, ModelInputs inputs, in PreparedInputs prepared,
        IReadOnlyDictionary<string, HostTensor> outputs)
    {
        if (inputs.Labels is not { } labels) return null;
        Labels.CheckShape(labels.Shape, prepared.Rows, prepared.Seq);
        int v = config.VocabSize, s = prepared.Seq;
        var logits = outputs["logits"].Span;
        var shiftedLogits = new float[prepared.Rows * (s - 1) * v];
        var shiftedLabels = new int[prepared.Rows * (s - 1)];
        for (int r = 0; r < prepared.Rows; r++)
        {
            logits.Slice(r * s * v, (s - 1) * v).CopyTo(shiftedLogits.AsSpan(r * (s - 1) * v));
            labels.Span.Slice(r * s + 1, s - 1).CopyTo(shiftedLabels.AsSpan(r * (s - 1)));
        }
        return LossFunctions.CrossEntropy(shiftedLogits, v, shiftedLabels);
    }
}
