using Electra.Core.Backend;
using Electra.Core.Configuration;
using Electra.Models.Forward;
using Electra.Models.Loading;
using Electra.Models.Losses;

namespace Electra.Models.Heads;

/// <summary>HF: ElectraForSequenceClassification: <see cref="ElectraClassificationHead"/> on the first token → <c>logits</c> [B, N].</summary>
public sealed record SequenceClassificationHead(ElectraClassificationHead Classifier) : Head
{
    public override ElectraArchitecture Architecture => ElectraArchitecture.ElectraForSequenceClassification;

    internal static SequenceClassificationHead Load(WeightReader weights, ElectraConfig config) =>
        new(ElectraClassificationHead.Load(weights, "classifier", config));

    internal override HeadRead ReadPosition(int seq) => HeadRead.At(0);

    internal override void Forward(in HeadRun run, DeviceTensor hidden)
    {
        using var first = run.Scope(run.Pick(hidden, 0));
        using var logits = run.Scope(Classifier.Forward(run.Pass, first));
        run.Read(logits, "logits", logits.Tensor.Shape.AsSpan());
    }

    internal override Type RowOutputsType => typeof(RowValues);

    internal override RowOutputs ForwardRows(in RowRun run, DeviceTensor hidden)
    {
        using var first = run.Scope(run.First(hidden));
        using var logits = run.Scope(Classifier.Forward(run.Pass, first));
        return run.Rows(logits);
    }

    /// <summary>MSELoss, CrossEntropyLoss or BCEWithLogitsLoss by transformers' problem_type rule.</summary>
    internal override double? Loss(in LossInputs l) =>
        l.Inputs.Labels is null && l.Inputs.FloatLabels is null ? null : SequenceClassificationLoss.Compute(l);
}
