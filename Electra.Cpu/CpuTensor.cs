using System.Collections.Immutable;
using Electra.Core.Backend;

namespace Electra.Cpu;

/// <summary>A tensor of the CPU backend: a row-major span of host memory.</summary>
public sealed class CpuTensor : DeviceTensor
{
    private readonly ReadOnlyMemory<float> _floats;
    private readonly ReadOnlyMemory<int> _ints;

    public CpuTensor(ImmutableArray<int> shape, ReadOnlyMemory<float> data) : base(shape, DeviceDType.Float32) => _floats = data;

    public CpuTensor(ImmutableArray<int> shape, ReadOnlyMemory<int> data) : base(shape, DeviceDType.Int32) => _ints = data;

    public ReadOnlySpan<float> Floats => DType == DeviceDType.Float32
        ? _floats.Span
        : throw new InvalidOperationException($"{this} holds int32 values, not float32");

    public ReadOnlySpan<int> Ints => DType == DeviceDType.Int32
        ? _ints.Span
        : throw new InvalidOperationException($"{this} holds float32 values, not int32");

    internal ReadOnlyMemory<float> FloatMemory => _floats;
    internal ReadOnlyMemory<int> IntMemory => _ints;
}

/// <summary>A linear layer's weights for the CPU backend, PyTorch layout [Out, In].</summary>
public sealed class CpuLinearWeight : LinearWeight
{
    public CpuLinearWeight(ReadOnlyMemory<float> weight, ReadOnlyMemory<float>? bias, int inFeatures, int outFeatures)
        : base(inFeatures, outFeatures, bias is not null)
    {
        Weight = weight;
        Bias = bias;
    }

    public ReadOnlyMemory<float> Weight { get; }
    public ReadOnlyMemory<float>? Bias { get; }
}
