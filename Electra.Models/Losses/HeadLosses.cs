using Electra.Core.Configuration;
using Electra.Core.Errors;
using Electra.Core.Tensors;

namespace Electra.Models.Losses;

/// <summary>Each transformers head class's loss, from its outputs and the labels in <see cref="ModelInputs"/>.</summary>
internal static class HeadLosses
{
    /// <returns>The loss, or null when the inputs carry no labels for this head.</returns>
    public static double? Compute(ElectraArchitecture architecture, ElectraConfig config, ModelInputs inputs,
        Forward.PreparedInputs prepared, IReadOnlyDictionary<string, HostTensor> outputs)
    {
        switch (architecture)
        {
            case ElectraArchitecture.ElectraForPreTraining when inputs.Labels is { } labels:
            {
                // Only positions with attention_mask == 1 count (ElectraForPreTraining.forward).
                var logits = outputs["logits"].Span;
                CheckLabels(labels.Shape, [prepared.Rows, prepared.Seq]);
                var kept = new List<float>();
                var targets = new List<float>();
                for (int i = 0; i < logits.Length; i++)
                {
                    if (prepared.AttentionMask.Span[i] != 1) continue;
                    kept.Add(logits[i]);
                    targets.Add(labels.Span[i]);
                }
                return LossFunctions.BinaryCrossEntropyWithLogits(kept.ToArray(), targets.ToArray());
            }
            case ElectraArchitecture.ElectraForMaskedLM when inputs.Labels is { } labels:
                CheckLabels(labels.Shape, [prepared.Rows, prepared.Seq]);
                return LossFunctions.CrossEntropy(outputs["logits"].Span, config.VocabSize, labels.Span);
            case ElectraArchitecture.ElectraForCausalLM when inputs.Labels is { } labels:
            {
                // Next-token prediction: logits at position t predict label t+1.
                CheckLabels(labels.Shape, [prepared.Rows, prepared.Seq]);
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
            case ElectraArchitecture.ElectraForSequenceClassification when inputs.Labels is not null || inputs.FloatLabels is not null:
                return SequenceClassification(config, inputs, outputs["logits"]);
            case ElectraArchitecture.ElectraForTokenClassification when inputs.Labels is { } labels:
                CheckLabels(labels.Shape, [prepared.Rows, prepared.Seq]);
                return LossFunctions.CrossEntropy(outputs["logits"].Span, config.NumLabels, labels.Span);
            case ElectraArchitecture.ElectraForQuestionAnswering when inputs.StartPositions is { } start && inputs.EndPositions is { } end:
            {
                // Positions outside the sequence are clamped to S and then ignored (ignore_index = S).
                int s = prepared.Seq;
                int[] Clamp(HostIntTensor t) => t.Span.ToArray().Select(p => Math.Clamp(p, 0, s)).ToArray();
                if (start.ElementCount != prepared.Rows || end.ElementCount != prepared.Rows)
                    throw new InputException($"start_positions/end_positions must have {prepared.Rows} values, got {start.ElementCount} and {end.ElementCount}");
                var startLoss = LossFunctions.CrossEntropy(outputs["start_logits"].Span, s, Clamp(start), ignoreIndex: s);
                var endLoss = LossFunctions.CrossEntropy(outputs["end_logits"].Span, s, Clamp(end), ignoreIndex: s);
                return (startLoss + endLoss) / 2;
            }
            case ElectraArchitecture.ElectraForMultipleChoice when inputs.Labels is { } labels:
                if (labels.ElementCount != prepared.Batch)
                    throw new InputException($"labels must have {prepared.Batch} values (one per example), got {labels.ElementCount}");
                return LossFunctions.CrossEntropy(outputs["logits"].Span, prepared.Choices, labels.Span);
            default:
                return null;
        }
    }

    /// <summary>transformers' problem_type rule: explicit, else regression for one label, else by the labels' dtype.</summary>
    public static string ProblemType(ElectraConfig config, ModelInputs inputs) =>
        config.ProblemType ?? (config.NumLabels == 1 ? "regression"
            : inputs.Labels is not null ? "single_label_classification" : "multi_label_classification");

    private static double SequenceClassification(ElectraConfig config, ModelInputs inputs, HostTensor logits)
    {
        int n = config.NumLabels;
        switch (ProblemType(config, inputs))
        {
            case "regression":
            {
                var targets = inputs.FloatLabels?.Span.ToArray() ?? inputs.Labels!.Span.ToArray().Select(i => (float)i).ToArray();
                if (targets.Length != logits.ElementCount)
                    throw new InputException($"regression labels: {targets.Length} values for logits of shape {TensorShape.Format(logits.Shape)}");
                return LossFunctions.MeanSquaredError(logits.Span, targets);
            }
            case "single_label_classification":
            {
                var targets = inputs.Labels?.Span.ToArray() ?? inputs.FloatLabels!.Span.ToArray().Select(f => (int)f).ToArray();
                if (targets.Length != logits.ElementCount / n)
                    throw new InputException($"labels: {targets.Length} values for {logits.ElementCount / n} examples");
                return LossFunctions.CrossEntropy(logits.Span, n, targets);
            }
            default:
            {
                var targets = inputs.FloatLabels?.Span.ToArray() ?? inputs.Labels!.Span.ToArray().Select(i => (float)i).ToArray();
                if (targets.Length != logits.ElementCount)
                    throw new InputException($"multi-label labels: {targets.Length} values for logits of shape {TensorShape.Format(logits.Shape)}");
                return LossFunctions.BinaryCrossEntropyWithLogits(logits.Span, targets);
            }
        }
    }

    private static void CheckLabels(IReadOnlyList<int> shape, int[] expected)
    {
        if (!TensorShape.SameShape(shape, expected))
            throw new InputException($"labels: shape {TensorShape.Format(shape)}, expected {TensorShape.Format(expected)}");
    }
}
