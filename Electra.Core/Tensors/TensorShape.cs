using System.Collections.Immutable;

namespace Electra.Core.Tensors;

/// <summary>Helpers for shapes given as int sequences.</summary>
public static class TensorShape
{
    public static long ElementCount(IEnumerable<int> shape)
    {
        long n = 1;
        foreach (var d in shape) n *= d;
        return n;
    }

    /// <summary>The element count of an immutable shape, without boxing it (tensors ask for this on every operation).</summary>
    public static long ElementCount(ImmutableArray<int> shape) => ElementCount(shape.AsSpan());

    public static long ElementCount(ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (var d in shape) n *= d;
        return n;
    }

    public static string Format(IEnumerable<int> shape) => "[" + string.Join(", ", shape) + "]";
    public static string Format(IEnumerable<long> shape) => "[" + string.Join(", ", shape) + "]";

    /// <summary>Whether two immutable shapes are equal, without boxing them.</summary>
    public static bool SameShape(ImmutableArray<int> a, ImmutableArray<int> b) => a.AsSpan().SequenceEqual(b.AsSpan());

    public static bool SameShape(IReadOnlyList<int> a, IReadOnlyList<int> b)
    {
        if (a.Count != b.Count) return false;
        for (int i = 0; i < a.Count; i++) if (a[i] != b[i]) return false;
        return true;
    }
}
