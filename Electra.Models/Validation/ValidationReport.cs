using System.Collections.Immutable;

namespace Electra.Models.Validation;

/// <summary>How one output tensor compared with its reference.</summary>
public enum ComparisonStatus
{
    /// <summary>Every element within tolerance.</summary>
    Pass,
    /// <summary>At least one element outside tolerance (or NaN where the reference is a number).</summary>
    OutOfTolerance,
    /// <summary>The reference holds the tensor, the model did not produce it.</summary>
    Missing,
    /// <summary>The model produced the tensor with another shape.</summary>
    ShapeMismatch,
}

/// <summary>The first element of a tensor outside tolerance.</summary>
/// <param name="FlatIndex">Row-major index into the tensor.</param>
/// <param name="Position">The same index per dimension, e.g. [batch, position, feature].</param>
/// <param name="Expected">The reference's value there (from transformers).</param>
/// <param name="Actual">The model's value there.</param>
public sealed record ElementMismatch(long FlatIndex, ImmutableArray<int> Position, float Expected, float Actual)
{
    public double AbsError => Math.Abs((double)Actual - Expected);
}

/// <summary>
/// One output tensor against its reference. Errors are over all elements: <see cref="MaxAbsError"/> is
/// max |a − r|, <see cref="MaxRelError"/> is max |a − r| / |r| over elements whose reference is not 0, and
/// <see cref="ToleranceUsed"/> is max |a − r| / (abs + rel·|r|) — at most 1 when the tensor passes.
/// They are NaN when an element is NaN against a numeric reference and 0 when the tensor was not compared.
/// </summary>
public sealed record TensorComparison(
    string Name,
    ValidationStage Stage,
    ComparisonStatus Status,
    ImmutableArray<int> ReferenceShape,
    ImmutableArray<int> ActualShape,
    double MaxAbsError,
    double MaxRelError,
    double ToleranceUsed,
    long FailingCount,
    ElementMismatch? FirstFailure)
{
    public bool Passed => Status == ComparisonStatus.Pass;
}

/// <summary>The tensors of one <see cref="ValidationStage"/> (the embeddings, one encoder layer or the head).</summary>
public sealed record LayerReport(ValidationStage Stage, ImmutableArray<TensorComparison> Tensors)
{
    public bool Passed => Tensors.All(t => t.Passed);

    /// <summary>The worst max abs error of the layer's tensors (NaN if any is NaN).</summary>
    public double MaxAbsError => Tensors.Aggregate(0.0, (m, t) => double.IsNaN(t.MaxAbsError) || double.IsNaN(m) ? double.NaN : Math.Max(m, t.MaxAbsError));
}

/// <summary>
/// The result of checking a model's outputs against reference outputs (transformers' in the fixture format):
/// every reference tensor, grouped by layer in computation order, and where the outputs first diverge.
/// Outputs the reference does not hold are not compared.
/// </summary>
public sealed record ValidationReport(Tolerance Tolerance, ImmutableArray<TensorComparison> Tensors, ImmutableArray<LayerReport> Layers)
{
    /// <summary>True when every reference tensor was produced with its shape and every element is within tolerance.</summary>
    public bool Passed => Tensors.Length > 0 && Tensors.All(t => t.Passed);

    /// <summary>The first layer, in computation order, with a tensor outside tolerance; null when all pass.</summary>
    public LayerReport? FirstDivergingLayer => Layers.FirstOrDefault(l => !l.Passed);

    /// <summary>The first failing tensor of <see cref="FirstDivergingLayer"/>; null when all pass.</summary>
    public TensorComparison? FirstFailure => FirstDivergingLayer?.Tensors.First(t => !t.Passed);

    public ImmutableArray<TensorComparison> Failures => Tensors.Where(t => !t.Passed).ToImmutableArray();

    /// <summary>Looks a compared tensor up by name.</summary>
    public TensorComparison this[string name] => Tensors.FirstOrDefault(t => t.Name == name)
        ?? throw new KeyNotFoundException($"the reference holds no tensor named '{name}'");

    /// <summary>Model, backend and reference descriptions for display, when known.</summary>
    public ImmutableSortedDictionary<string, string> Context { get; init; } = ImmutableSortedDictionary<string, string>.Empty;
}
