using Electra.Core.Backend;
using Electra.Core.Configuration;
using Electra.Core.Errors;
using Electra.Models.Forward;
using Electra.Models.Loading;
using Electra.Models.Losses;

namespace Electra.Models.Heads;

/// <summary>
/// HF: ElectraForMultipleChoice: <see cref="SequenceSummary"/> of each choice, then classifier [1, H] → <c>logits</c>
/// [B, C]. Keys: sequence_summary.*, classifier.*.
/// </summary>
public sealed record MultipleChoiceHead(SequenceSummary SequenceSummary, LinearWeight Classifier) : Head
{
    public override ElectraArchitecture Architecture => ElectraArchitecture.ElectraForMultipleChoice;

    /// <exception cref="ConfigException">loading a checkpoint whose summary_proj_to_labels makes the summary num_labels
    /// wide, which transformers' classifier (hidden_size inputs) cannot take. Its layout is still what transformers saves.</exception>
    internal static MultipleChoiceHead Load(WeightReader weights, ElectraConfig config)
    {
        if (weights is CheckpointWeightReader && config.SummaryUseProj && SequenceSummary.ProjectionWidth(config) != config.HiddenSize)
            throw new ConfigException(
                $"summary_proj_to_labels with num_labels {config.NumLabels} makes the sequence summary {config.NumLabels} wide, but " +
                $"ElectraForMultipleChoice's classifier takes hidden_size {config.HiddenSize} inputs (transformers cannot run this config either)");
        return new(SequenceSummary.Load(weights, "sequence_summary", config), weights.Linear("classifier", 1, config.HiddenSize));
    }

    /// <summary>The summary's position; "mean" pools every position, padding included (as transformers does), so nothing can be skipped.</summary>
    internal override HeadRead ReadPosition(int seq) =>
        SequenceSummary.Position(seq) is int position ? HeadRead.At(position) : HeadRead.NotPackable;

    internal override void Forward(in HeadRun run, DeviceTensor hidden)
    {
        using var summary = run.Scope(SequenceSummary.Forward(run, hidden));
        using var logits = run.Scope(run.Pass.Linear(summary, Classifier));
        run.Read(logits, "logits", [run.Batch, run.Choices]);
    }

    internal override Type RowOutputsType => typeof(RowValues);

    /// <summary>Each row is one choice: its summary → classifier, one logit per row ([N, 1]).</summary>
    internal override RowOutputs ForwardRows(in RowRun run, DeviceTensor hidden)
    {
        using var summary = run.Scope(SequenceSummary.ForwardRows(run, hidden));
        using var logits = run.Scope(run.Pass.Linear(summary, Classifier));
        return run.Rows(logits);
    }

    /// <summary>CrossEntropyLoss over the choices, one label per example.</summary>
    internal override double? Loss(in LossInputs l)
    {
        if (l.Inputs.Labels is not { } labels) return null;
        if (labels.ElementCount != l.Prepared.Batch)
            throw new InputException($"labels must have {l.Prepared.Batch} values (one per example), got {labels.ElementCount}");
        return LossFunctions.CrossEntropy(l.Output("logits"), l.Prepared.Choices, labels.Span);
    }
}
