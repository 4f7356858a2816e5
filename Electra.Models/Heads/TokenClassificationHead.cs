using Electra.Core.Backend;
using Electra.Core.Configuration;
using Electra.Core.Tensors;
using Electra.Models.Forward;
using Electra.Models.Loading;
using Electra.Models.Losses;

namespace Electra.Models.Heads;

/// <summary>HF: ElectraForTokenClassification: classifier [N, H] at every position → <c>logits</c> [B, S, N]. Keys: classifier.*.</summary>
public sealed record TokenClassificationHead(LinearWeight Classifier) : Head
{
    public override ElectraArchitecture Architecture => ElectraArchitecture.ElectraForTokenClassification;

    internal static TokenClassificationHead Load(WeightReader weights, ElectraConfig config) =>
        new(weights.Linear("classifier", config.NumLabels, config.HiddenSize));

    internal override void Forward(in HeadRun run, DeviceTensor hidden)
    {
        using var logits = run.Scope(run.Pass.Linear(hidden, Classifier));
        run.ReadTokens(logits, "logits");
    }

    /// <summary>CrossEntropyLoss over every position whose label is not -100.</summary>
    internal override double? Loss(ElectraConfig config, ModelInputs inputs, in PreparedInputs prepared,
        IReadOnlyDictionary<string, HostTensor> outputs)
    {
        if (inputs.Labels is not { } labels) return null;
        Labels.CheckShape(labels.Shape, prepared.Rows, prepared.Seq);
        return LossFunctions.CrossEntropy(outputs["logits"].Span, config.NumLabels, labels.Span);
    }
}
