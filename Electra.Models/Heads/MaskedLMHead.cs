using Electra.Core.Backend;
using Electra.Core.Configuration;
using Electra.Core.Tensors;
using Electra.Models.Forward;
using Electra.Models.Loading;
using Electra.Models.Losses;

namespace Electra.Models.Heads;

/// <summary>HF: ElectraForMaskedLM (the generator): <see cref="LanguageModelingHead"/> with the masked-LM loss.</summary>
public sealed record MaskedLMHead(ElectraGeneratorPredictions GeneratorPredictions, LinearWeight GeneratorLmHead)
    : LanguageModelingHead(GeneratorPredictions, GeneratorLmHead)
{
    public override ElectraArchitecture Architecture => ElectraArchitecture.ElectraForMaskedLM;

    internal static MaskedLMHead Load(WeightReader weights, string bodyPrefix, ElectraConfig config)
    {
        var (predictions, lmHead) = LoadParts(weights, bodyPrefix, config);
        return new MaskedLMHead(predictions, lmHead);
    }

    /// <summary>CrossEntropyLoss over every position whose label is not -100.</summary>
    internal override double? Loss(ElectraConfig config, ModelInputs inputs, in PreparedInputs prepared,
        IReadOnlyDictionary<string, HostTensor> outputs)
    {
        if (inputs.Labels is not { } labels) return null;
        Labels.CheckShape(labels.Shape, prepared.Rows, prepared.Seq);
        return LossFunctions.CrossEntropy(outputs["logits"].Span, config.VocabSize, labels.Span);
    }
}
