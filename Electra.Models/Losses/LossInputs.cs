using Electra.Core.Configuration;
using Electra.Core.Errors;
using Electra.Core.Tensors;
using Electra.Models.Forward;

namespace Electra.Models.Losses;

/// <summary>What a head's loss is computed from: the config, the inputs with their labels, and the head's outputs.</summary>
internal readonly record struct LossInputs(ElectraConfig Config, ModelInputs Inputs, PreparedInputs Prepared,
    IReadOnlyDictionary<string, HostTensor> Outputs)
{
    /// <summary>The values of output <paramref name="name"/>.</summary>
    public ReadOnlySpan<float> Output(string name) => Outputs[name].Span;

    /// <summary>Per-token labels [Rows, S], or null when none were given.</summary>
    /// <exception cref="InputException">the labels have another shape.</exception>
    public HostIntTensor? TokenLabels()
    {
        if (Inputs.Labels is not { } labels) return null;
        if (!TensorShape.SameShape(labels.Shape, [Prepared.Rows, Prepared.Seq]))
            throw new InputException($"labels: shape {TensorShape.Format(labels.Shape)}, expected {TensorShape.Format([Prepared.Rows, Prepared.Seq])}");
        return labels;
    }
}
