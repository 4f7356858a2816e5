using System.Collections.Immutable;
using Electra.Core.Tensors;

namespace Electra.Models.Validation;

/// <summary>
/// Checks that a model computes what transformers computed: runs it on a reference's inputs with every hidden
/// state and attention, and compares each reference tensor element by element (<see cref="Tolerance"/>).
/// </summary>
public static class ReferenceValidator
{
    /// <summary>Runs <paramref name="model"/> on the reference's inputs and compares with its tensors.</summary>
    /// <param name="model">The loaded model to check, on any backend.</param>
    /// <param name="reference">A reference case exported from transformers: its inputs, expected tensors and tolerance.</param>
    /// <param name="tolerance">Overrides the reference's own (case.json) tolerance when given.</param>
    /// <exception cref="Electra.Core.Errors.InputException">the inputs do not fit the model.</exception>
    public static ValidationReport Validate(ElectraPretrained model, ReferenceCase reference, Tolerance? tolerance = null)
    {
        var report = Validate(model, reference.Inputs, reference.Tensors, tolerance ?? reference.Tolerance);
        return report with
        {
            Context = report.Context
                .SetItem("reference", reference.Directory)
                .SetItem("tolerance source", tolerance is null ? reference.ToleranceSource : "explicit"),
        };
    }

    /// <summary>Runs <paramref name="model"/> on <paramref name="inputs"/> and compares with <paramref name="reference"/>.</summary>
    public static ValidationReport Validate(ElectraPretrained model, ModelInputs inputs,
        IReadOnlyDictionary<string, HostTensor> reference, Tolerance tolerance)
    {
        var output = model.Forward(inputs, ForwardOptions.Everything);
        var report = Compare(reference, output.Tensors, tolerance, model.Config.NumHiddenLayers);
        return report with
        {
            Context = report.Context
                .SetItem("model", $"{model.SourceDirectory ?? "<in memory>"}: {model.Architecture}")
                .SetItem("backend", $"{model.Backend.Name} ({model.Backend.DeviceDescription})"),
        };
    }

    /// <summary>
    /// Compares outputs with reference tensors. Every reference tensor is checked; outputs the reference does not
    /// hold are ignored. <paramref name="numLayers"/> places <c>last_hidden_state</c> and the head; when null it is
    /// inferred from the hidden_states/attentions names.
    /// </summary>
    public static ValidationReport Compare(IReadOnlyDictionary<string, HostTensor> reference,
        IReadOnlyDictionary<string, HostTensor> actual, Tolerance tolerance, int? numLayers = null)
    {
        int layers = numLayers ?? ValidationStage.InferLayerCount(reference.Keys.Concat(actual.Keys));
        var comparisons = reference
            .Select(kv => CompareTensor(kv.Key, ValidationStage.Of(kv.Key, layers), kv.Value,
                actual.TryGetValue(kv.Key, out var a) ? a : null, tolerance))
            .OrderBy(c => c.Stage.Index)
            .ThenBy(c => ComputationOrder(c.Name))
            .ThenBy(c => c.Name, StringComparer.Ordinal)
            .ToImmutableArray();
        var groups = comparisons
            .GroupBy(c => c.Stage)
            .Select(g => new LayerReport(g.Key, g.ToImmutableArray()))
            .ToImmutableArray();
        return new ValidationReport(tolerance, comparisons, groups);
    }

    /// <summary>Compares one tensor with its reference; <paramref name="actual"/> null means the output is missing.</summary>
    public static TensorComparison CompareTensor(string name, ValidationStage stage, HostTensor expected, HostTensor? actual, Tolerance tolerance)
    {
        if (actual is null)
            return new TensorComparison(name, stage, ComparisonStatus.Missing, expected.Shape, ImmutableArray<int>.Empty, 0, 0, 0, expected.ElementCount, null);
        if (!expected.Shape.SequenceEqual(actual.Shape))
            return new TensorComparison(name, stage, ComparisonStatus.ShapeMismatch, expected.Shape, actual.Shape, 0, 0, 0, expected.ElementCount, null);

        var e = expected.Span;
        var a = actual.Span;
        double maxAbs = 0, maxRel = 0, used = 0;
        bool sawNaN = false;
        long failing = 0, first = -1;
        for (int i = 0; i < e.Length; i++)
        {
            double r = e[i], v = a[i];
            if (tolerance.Accepts(r, v))
            {
                if (r == v || double.IsNaN(r)) continue;
            }
            else
            {
                failing++;
                if (first < 0) first = i;
            }
            double diff = Math.Abs(v - r);
            if (double.IsNaN(diff)) { sawNaN = true; continue; }
            maxAbs = Math.Max(maxAbs, diff);
            if (r != 0) maxRel = Math.Max(maxRel, diff / Math.Abs(r));
            used = Math.Max(used, diff / tolerance.Allowed(r));
        }
        var mismatch = first < 0 ? null : new ElementMismatch(first, Unravel(first, expected.Shape), e[(int)first], a[(int)first]);
        return new TensorComparison(name, stage, failing == 0 ? ComparisonStatus.Pass : ComparisonStatus.OutOfTolerance,
            expected.Shape, actual.Shape,
            sawNaN ? double.NaN : maxAbs, sawNaN ? double.NaN : maxRel, sawNaN ? double.NaN : used, failing, mismatch);
    }

    // Inside a layer the attention probabilities come before the layer's output; in the head, logits before the loss.
    private static int ComputationOrder(string name) =>
        name.StartsWith("attentions.", StringComparison.Ordinal) ? 0
        : name.StartsWith("hidden_states.", StringComparison.Ordinal) ? 1
        : name == "last_hidden_state" ? 2
        : name == "loss" ? 4
        : 3;

    private static ImmutableArray<int> Unravel(long flat, ImmutableArray<int> shape)
    {
        var position = new int[shape.Length];
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            if (shape[d] == 0) break;
            position[d] = (int)(flat % shape[d]);
            flat /= shape[d];
        }
        return ImmutableArray.Create(position);
    }
}
