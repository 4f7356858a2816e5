using System.Collections.Immutable;
using Electra.Core.Backend;

namespace Electra.Cpu;

/// <summary>
/// A tensor of the CPU backend: a row-major span of host memory. Activations own pooled memory that starts on a cache
/// line and that their pass recycles; weights wrap the checkpoint's memory (possibly a memory map) without copying.
/// </summary>
public sealed class CpuTensor : DeviceTensor
{
    private readonly ReadOnlyMemory<float> _floats;
    private readonly ReadOnlyMemory<int> _ints;

    public CpuTensor(ImmutableArray<int> shape, ReadOnlyMemory<float> data) : base(shape, DeviceDType.Float32) => _floats = data;

    public CpuTensor(ImmutableArray<int> shape, ReadOnlyMemory<int> data) : base(shape, DeviceDType.Int32) => _ints = data;

    internal CpuTensor(ImmutableArray<int> shape, Memory<float> pooled, CpuForwardPass owner) : base(shape, DeviceDType.Float32)
    {
        _floats = pooled;
        PooledFloats = pooled;
        Owner = owner;
    }

    internal CpuTensor(ImmutableArray<int> shape, Memory<int> pooled, CpuForwardPass owner) : base(shape, DeviceDType.Int32)
    {
        _ints = pooled;
        PooledInts = pooled;
        Owner = owner;
    }

    public ReadOnlySpan<float> Floats => DType == DeviceDType.Float32
        ? _floats.Span
        : throw new InvalidOperationException($"{this} holds int32 values, not float32");

    public ReadOnlySpan<int> Ints => DType == DeviceDType.Int32
        ? _ints.Span
        : throw new InvalidOperationException($"{this} holds float32 values, not int32");

    internal ReadOnlyMemory<float> FloatMemory => _floats;
    internal ReadOnlyMemory<int> IntMemory => _ints;

    /// <summary>The pooled memory this tensor owns (null for weights and views).</summary>
    internal Memory<float>? PooledFloats { get; }
    internal Memory<int>? PooledInts { get; }
    /// <summary>The pass this activation belongs to now; a pooled tensor changes owner each time it is rented.</summary>
    internal CpuForwardPass? Owner { get; set; }

    /// <summary>Set once a view shares this tensor's memory: its array can then no longer be recycled early.</summary>
    internal bool HasViews { get; set; }

    /// <summary>
    /// [min(0, min), max(0, max)] of the values, when the operation that wrote them measured it on the way (an int8
    /// linear that reads this tensor next with per-tensor activations then skips its own pass over it); null when
    /// unknown. Cleared whenever the pool hands the array out again.
    /// </summary>
    internal Kernels.Int8.ValueRange? KnownRange { get; set; }

    /// <summary>
    /// This tensor as an attention result without probabilities, made once: the tensor object is recycled together
    /// with its array, so attention in a warmed-up pass returns the same result object instead of a new one.
    /// </summary>
    internal AttentionResult AsContextOnly => _contextOnly ??= new AttentionResult(this, null);
    private AttentionResult? _contextOnly;

    /// <summary>Writable span over an activation this backend produced.</summary>
    internal Span<float> Writable => PooledFloats is { } pooled ? pooled.Span : throw new InvalidOperationException($"{this} is read-only");
}

/// <summary>A linear layer prepared for the CPU backend: its weight prepacked for the GEMM microkernel.</summary>
public sealed class CpuLinearWeight : LinearWeight
{
    public CpuLinearWeight(Kernels.PackedWeight packed)
        : base(packed.InFeatures, packed.OutFeatures, packed.HasBias) => Packed = packed;

    /// <summary>An int8 linear; <paramref name="perRowActivations"/> quantizes each input row with its own range.</summary>
    public CpuLinearWeight(Kernels.Int8.Int8PackedWeight quantized, bool perRowActivations)
        : base(quantized.InFeatures, quantized.OutFeatures, quantized.HasBias)
    {
        Quantized = quantized;
        PerRowActivations = perRowActivations;
    }

    /// <summary>The float packing; null for an int8 linear.</summary>
    public Kernels.PackedWeight? Packed { get; }

    /// <summary>The int8 packing; null for a float linear.</summary>
    public Kernels.Int8.Int8PackedWeight? Quantized { get; }

    /// <summary>For an int8 linear: activations quantized per row rather than per tensor.</summary>
    public bool PerRowActivations { get; }
}
