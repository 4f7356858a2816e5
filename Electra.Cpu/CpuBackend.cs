using System.Collections.Immutable;
using Electra.Core.Backend;
using Electra.Core.Tensors;

namespace Electra.Cpu;

/// <summary>Options of the CPU backend.</summary>
/// <param name="Threads">Worker threads for one forward pass; null means one per core.</param>
public sealed record CpuBackendOptions(int? Threads = null);

/// <summary>The CPU backend: host memory, TensorPrimitives and hand-written SIMD kernels.</summary>
public sealed class CpuBackend : IBackend
{
    public CpuBackend() : this(new CpuBackendOptions()) { }

    public CpuBackend(CpuBackendOptions options)
    {
        Options = options;
        Threads = Math.Max(1, options.Threads ?? Environment.ProcessorCount);
    }

    public CpuBackendOptions Options { get; }
    public int Threads { get; }
    public string Name => "cpu";
    public string DeviceDescription => $"CPU, {Threads} thread(s), {System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture}";

    public DeviceTensor UploadWeight(HostTensor weight) => new CpuTensor(weight.Shape, weight.Data);

    public LinearWeight UploadLinear(HostTensor weight, HostTensor? bias)
    {
        if (weight.Rank != 2) throw new ArgumentException($"a linear weight must be [Out, In], got {TensorShape.Format(weight.Shape)}");
        int outFeatures = weight.Shape[0], inFeatures = weight.Shape[1];
        if (bias is not null && (bias.Rank != 1 || bias.Shape[0] != outFeatures))
            throw new ArgumentException($"a linear bias must be [{outFeatures}], got {TensorShape.Format(bias.Shape)}");
        return new CpuLinearWeight(weight.Data, bias?.Data, inFeatures, outFeatures);
    }

    public IForwardPass BeginPass() => new CpuForwardPass(this);

    public void Dispose() { }

    internal static ImmutableArray<int> ShapeOf(ReadOnlySpan<int> shape) => ImmutableArray.Create(shape.ToArray());
}
