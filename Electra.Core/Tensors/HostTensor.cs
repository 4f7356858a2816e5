using System.Collections.Immutable;

namespace Electra.Core.Tensors;

/// <summary>
/// A dense, row-major float32 tensor in host memory. Immutable from the outside: <see cref="Data"/> is read-only,
/// usually a managed array; a tensor passed to the callback of <see cref="Checkpoints.IWeightSource.WithFloat32{TResult}"/>
/// is native memory valid only during that call.
/// <para>
/// Equality is structural: two tensors are equal when they have the same shape and the same values (compared as
/// <see cref="float.Equals(float)"/> does: NaN equals NaN, 0 equals −0), wherever their memory lies, so F#'s <c>=</c>
/// compares values.
/// </para>
/// </summary>
public sealed record HostTensor(ImmutableArray<int> Shape, ReadOnlyMemory<float> Data)
{
    public bool Equals(HostTensor? other) =>
        ReferenceEquals(this, other) ||
        other is not null && TensorShape.SameShape(Shape, other.Shape) && Span.SequenceEqual(other.Span);

    public override int GetHashCode() => TensorHash.Of(Shape, Span);

    public HostTensor(int[] shape, float[] data) : this(ImmutableArray.Create(shape), data)
    {
    }

    /// <summary>Number of elements, the product of <see cref="Shape"/>.</summary>
    public long ElementCount => TensorShape.ElementCount(Shape);

    public int Rank => Shape.Length;

    public ReadOnlySpan<float> Span => Data.Span;

    /// <summary>Copies the values into a new array.</summary>
    public float[] ToArray() => Data.ToArray();

    public static HostTensor Create(float[] data, params int[] shape)
    {
        var t = new HostTensor(ImmutableArray.Create(shape), data);
        if (t.ElementCount != data.Length)
            throw new ArgumentException($"shape [{string.Join(", ", shape)}] holds {t.ElementCount} values, data has {data.Length}");
        return t;
    }

    public HostTensor Reshape(params int[] shape)
    {
        if (TensorShape.ElementCount(shape) != ElementCount)
            throw new ArgumentException($"cannot reshape {TensorShape.Format(Shape)} to {TensorShape.Format(shape)}");
        return this with { Shape = ImmutableArray.Create(shape) };
    }

    public override string ToString() => $"HostTensor{TensorShape.Format(Shape)}";
}

/// <summary>A dense, row-major int32 tensor in host memory (ids, masks, labels); equal when shape and values are.</summary>
public sealed record HostIntTensor(ImmutableArray<int> Shape, ReadOnlyMemory<int> Data)
{
    public bool Equals(HostIntTensor? other) =>
        ReferenceEquals(this, other) ||
        other is not null && TensorShape.SameShape(Shape, other.Shape) && Span.SequenceEqual(other.Span);

    public override int GetHashCode() => TensorHash.Of(Shape, Span);

    public long ElementCount => TensorShape.ElementCount(Shape);
    public ReadOnlySpan<int> Span => Data.Span;

    public static HostIntTensor Create(int[] data, params int[] shape)
    {
        var t = new HostIntTensor(ImmutableArray.Create(shape), data);
        if (t.ElementCount != data.Length)
            throw new ArgumentException($"shape [{string.Join(", ", shape)}] holds {t.ElementCount} values, data has {data.Length}");
        return t;
    }

    public override string ToString() => $"HostIntTensor{TensorShape.Format(Shape)}";
}

/// <summary>Hash codes consistent with the tensors' structural equality.</summary>
internal static class TensorHash
{
    /// <summary>
    /// The shape and at most 16 evenly spaced values: equal tensors hash alike, and hashing a large tensor stays cheap.
    /// </summary>
    public static int Of<T>(ImmutableArray<int> shape, ReadOnlySpan<T> values) where T : IEquatable<T>
    {
        var hash = new HashCode();
        foreach (var d in shape.AsSpan()) hash.Add(d);
        int step = Math.Max(1, values.Length / 16);
        for (int i = 0; i < values.Length; i += step) hash.Add(values[i]);
        return hash.ToHashCode();
    }
}
