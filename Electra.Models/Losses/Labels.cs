using Electra.Core.Errors;
using Electra.Core.Tensors;

namespace Electra.Models.Losses;

/// <summary>Checks of the labels a head's loss reads.</summary>
internal static class Labels
{
    /// <exception cref="InputException">the labels do not have the <paramref name="expected"/> shape.</exception>
    public static void CheckShape(IReadOnlyList<int> shape, params int[] expected)
    {
        if (!TensorShape.SameShape(shape, expected))
            throw new InputException($"labels: shape {TensorShape.Format(shape)}, expected {TensorShape.Format(expected)}");
    }
}
