using Electra.Core.Backend;
using Electra.Core.Configuration;
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

    internal override RowOutputs ForwardRows(in RowRun run, DeviceTensor hidden)
    {
        using var logits = run.Scope(run.Pass.Linear(hidden, Classifier));
        return run.Tokens(logits);
    }

    /// <summary>CrossEntropyLoss over every position whose label is not -100.</summary>
    internal override double? Loss(in LossInputs l) =>
        l.TokenLabels() is { } labels ? LossFunctions.CrossEntropy(l.Output("logits"), l.Config.NumLabels, labels.Span) : null;
}
