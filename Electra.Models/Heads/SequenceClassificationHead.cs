using Electra.Core.Backend;
using Electra.Core.Configuration;
using Electra.Core.Errors;
using Electra.Core.Tensors;
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

    /// <summary>transformers' problem_type rule: explicit, else regression for one label, else by the labels' dtype.</summary>
    public static string ProblemType(ElectraConfig config, ModelInputs inputs) =>
        config.ProblemType ?? (config.NumLabels == 1 ? "regression"
            : inputs.Labels is not null ? "single_label_classification" : "multi_label_classification");

    /// <summary>MSELoss, CrossEntropyLoss or BCEWithLogitsLoss by <see cref="ProblemType"/>.</summary>
    internal override double? Loss(ElectraConfig config, ModelInputs inputs, in PreparedInputs prepared,
        IReadOnlyDictionary<string, HostTensor> outputs)
    {
        if (inputs.Labels is null && inputs.FloatLabels is null) return null;
        var logits = outputs["logits"];
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
}
