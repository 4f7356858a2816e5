using System.Collections.Immutable;
using Electra.Core.Tensors;

namespace Electra.Core.Backend;

/// <summary>Element type of a <see cref="DeviceTensor"/>.</summary>
public enum DeviceDType { Float32, Int32 }

/// <summary>
/// A tensor that lives in a backend's memory (host arrays for the CPU backend, device buffers for Vulkan).
/// Only the backend that created it can read or use it. Shapes are row-major.
/// Weights are owned by the backend and live until it is disposed; activations are owned by the
/// <see cref="IForwardPass"/> that produced them and die with it.
/// </summary>
public abstract class DeviceTensor
{
    protected DeviceTensor(ImmutableArray<int> shape, DeviceDType dtype)
    {
        Shape = shape;
        DType = dtype;
    }

    public ImmutableArray<int> Shape { get; }
    public DeviceDType DType { get; }
    public long ElementCount => TensorShape.ElementCount(Shape);
    public int Rank => Shape.Length;

    /// <summary>Size of the last dimension.</summary>
    public int LastDim => Shape[^1];

    /// <summary>Product of all dimensions but the last ("rows" of a row-major matrix view).</summary>
    public long Rows => ElementCount / Math.Max(1, LastDim);

    public override string ToString() => $"{GetType().Name}{TensorShape.Format(Shape)}";
}

/// <summary>
/// A linear layer's parameters prepared by a backend (PyTorch layout: weight [Out, In], y = x·Wᵀ + b).
/// A backend may prepack the weight into whatever layout its matmul kernel wants.
/// </summary>
public abstract class LinearWeight
{
    protected LinearWeight(int inFeatures, int outFeatures, bool hasBias)
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        HasBias = hasBias;
    }

    public int InFeatures { get; }
    public int OutFeatures { get; }
    public bool HasBias { get; }

    public override string ToString() => $"{GetType().Name}(in {InFeatures}, out {OutFeatures}, bias {HasBias})";
}

/// <summary>Where a linear layer sits in the model, for backends that treat some linears differently.</summary>
public enum LinearRole
{
    /// <summary>Heads, the embeddings projection, anything outside the encoder layers: always full precision.</summary>
    Other,
    /// <summary>An encoder layer's query, key, value, attention output, intermediate or output dense.</summary>
    EncoderLayer,
}

/// <summary>The result of <see cref="IForwardPass.Attention"/>.</summary>
/// <param name="Context">[B, Sq, H]: the attention-weighted values, heads concatenated.</param>
/// <param name="Probabilities">[B, A, Sq, Sk] softmax probabilities when they were asked for, else null.</param>
public sealed record AttentionResult(DeviceTensor Context, DeviceTensor? Probabilities);
