using Electra.Core.Backend;
using Electra.Core.Configuration;
using Electra.Models.Loading;
using Electra.Models.Losses;

namespace Electra.Models.Heads;

/// <summary>HF: ElectraForMaskedLM (the generator): <see cref="LanguageModelingHead"/> with the masked-LM loss.</summary>
public sealed record MaskedLMHead(ElectraGeneratorPredictions GeneratorPredictions, LinearWeight GeneratorLmHead)
    : LanguageModelingHead(GeneratorPredictions, GeneratorLmHead)
{
    public override ElectraArchitecture Architecture => ElectraArchitecture.ElectraForMaskedLM;

    internal static MaskedLMHead Load(WeightReader weights, string bodyPrefix, ElectraConfig config) =>
        Load(weights, bodyPrefix, config, (predictions, lmHead) => new MaskedLMHead(predictions, lmHead));

    /// <summary>CrossEntropyLoss over every position whose label is not -100.</summary>
    internal override double? Loss(in LossInputs l) =>
        l.TokenLabels() is { } labels ? LossFunctions.CrossEntropy(l.Output("logits"), l.Config.VocabSize, labels.Span) : null;
}
