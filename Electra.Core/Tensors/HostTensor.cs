using System.Collections.Immutable;

namespace Electra.Core.Tensors;

/// <summary>
/// A dense, row-major float32 tensor in host memory. Immutable from the outside: <see cref="Data"/> is read-only,
/// usually a managed array; a tensor passed to the callback of <see cref="Checkpoints.IWeightSource.WithFloat32{TResult}"/>
/// is native memory valid only during that call.
/// </summary>
public sealed record HostTensor(ImmutableArray<int> Shape, ReadOnlyMemory<float> Data)
{
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

/// <summary>A dense, row-major int32 tensor in host memory (ids, masks, labels).</summary>
public sealed record HostIntTensor(ImmutableArray<int> Shape, ReadOnlyMemory<int> Data)
{
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
