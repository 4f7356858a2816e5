using Electra.Core.Configuration;
using Electra.Core.Errors;
using Electra.Core.Tensors;

namespace Electra.Models.Losses;

/// <summary>ElectraForSequenceClassification's loss: regression, single-label or multi-label by problem_type.</summary>
internal static class SequenceClassificationLoss
{
    /// <summary>transformers' problem_type rule: explicit, else regression for one label, else by the labels' dtype.</summary>
    public static string ProblemType(ElectraConfig config, ModelInputs inputs) =>
        config.ProblemType ?? (config.NumLabels == 1 ? "regression"
            : inputs.Labels is not null ? "single_label_classification" : "multi_label_classification");

    /// <summary>MSELoss, CrossEntropyLoss or BCEWithLogitsLoss by <see cref="ProblemType"/>; the inputs carry labels.</summary>
    public static double Compute(in LossInputs l)
    {
        var inputs = l.Inputs;
        var logits = l.Outputs["logits"];
        int n = l.Config.NumLabels;
        switch (ProblemType(l.Config, inputs))
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
}
