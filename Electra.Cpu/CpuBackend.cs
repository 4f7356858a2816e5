using System.Collections.Immutable;
using Electra.Core.Backend;
using Electra.Core.Errors;
using Electra.Core.Tensors;
using Electra.Cpu.Kernels;
using Electra.Cpu.Kernels.Int8;

namespace Electra.Cpu;

/// <summary>Options of the CPU backend.</summary>
/// <param name="Threads">Threads that share each operation (the calling thread included); null means one per core.</param>
/// <param name="Isa">GEMM microkernel to use; null picks the best the CPU accelerates.</param>
/// <param name="Quantization">Run the encoder layers' linears in int8 (see <see cref="Int8Quantization"/>); null keeps
/// everything float32.</param>
/// <param name="Int8Isa">int8 microkernel to use; null picks the best the CPU accelerates.</param>
public sealed record CpuBackendOptions(int? Threads = null, GemmIsa? Isa = null, Int8Quantization? Quantization = null,
    Int8Isa? Int8Isa = null);

/// <summary>
/// The CPU backend: linear weights are prepacked once for a register-blocked SIMD GEMM, operations are split into
/// tiles across a small persistent thread pool, and activations (tensor objects and their arrays) come from a pool
/// so that a warmed-up forward pass of a repeated shape allocates nothing.
/// </summary>
/// <example><code>
/// using var backend = new CpuBackend(new CpuBackendOptions(Threads: 2));
/// var model = ElectraPretrained.Load("models/electra-small", backend);
/// </code></example>
public sealed class CpuBackend : IBackend
{
    readonly WorkerPool _pool;

    public CpuBackend() : this(new CpuBackendOptions()) { }

    public CpuBackend(CpuBackendOptions options)
    {
        Options = options;
        if (options.Threads is < 1)
            throw new BackendException($"the CPU backend needs at least one thread, got {options.Threads}");
        Threads = options.Threads ?? Environment.ProcessorCount;
        Isa = options.Isa ?? GemmIsaDetection.Best;
        // Only an int8 backend decides its int8 kernel now (which may generate code); the others when asked.
        _int8Isa = new Lazy<Int8Isa>(() => options.Int8Isa ?? Int8IsaDetection.Best);
        if (options.Quantization is not null) _ = _int8Isa.Value;
        _pool = new WorkerPool(Threads);
    }

    public CpuBackendOptions Options { get; }
    public int Threads { get; }
    public GemmIsa Isa { get; }
    /// <summary>The int8 microkernel used when <see cref="CpuBackendOptions.Quantization"/> is set.</summary>
    public Int8Isa Int8Isa => _int8Isa.Value;
    readonly Lazy<Int8Isa> _int8Isa;
    public string Name => "cpu";
    public string DeviceDescription =>
        $"CPU, {Threads} thread(s), {System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture}, {Isa} GEMM" +
        (Options.Quantization is { } q ? $", encoder linears in int8 ({q}, {Int8IsaDetection.Describe(Int8Isa)})" : "");

    /// <summary>
    /// Bytes of activation memory this backend holds: the buffers of live activations plus those kept for reuse by
    /// the next pass (after a pass of a given shape, what every later pass of that shape needs).
    /// </summary>
    public long ActivationBytes => Activations.HeldBytes;

    internal WorkerPool Pool => _pool;
    internal ActivationPool Activations { get; } = new();

    public DeviceTensor UploadWeight(HostTensor weight)
    {
        // Used in place: the weight reader hands embedding tables and LayerNorm vectors over in memory the model owns.
        return new CpuTensor(weight.Shape, weight.Data);
    }

    public LinearWeight UploadLinear(HostTensor weight, HostTensor? bias) => UploadLinear(weight, bias, LinearRole.Other);

    /// <summary>
    /// Prepares a linear: packed for the float GEMM, or quantized to int8 once here when <see cref="CpuBackendOptions.Quantization"/>
    /// is set and <paramref name="role"/> is <see cref="LinearRole.EncoderLayer"/> (the int8 copy is all that is kept).
    /// </summary>
    public LinearWeight UploadLinear(HostTensor weight, HostTensor? bias, LinearRole role)
    {
        if (weight.Rank != 2)
            throw new WeightMismatchException("weight", $"a linear weight must be [Out, In], got {TensorShape.Format(weight.Shape)}");
        int outFeatures = weight.Shape[0], inFeatures = weight.Shape[1];
        if (bias is not null && (bias.Rank != 1 || bias.Shape[0] != outFeatures))
            throw new WeightMismatchException("bias", $"a linear bias must be [{outFeatures}], got {TensorShape.Format(bias.Shape)}");
        if (role == LinearRole.EncoderLayer && Options.Quantization is { } quantization)
        {
            var quantized = Int8PackedWeight.Pack(weight.Span, outFeatures, inFeatures, bias is null ? default : bias.Span,
                bias is not null, quantization.PerOutputChannelWeights, Int8Isa, _pool);
            return new CpuLinearWeight(quantized, quantization.PerRowActivations);
        }
        var packed = PackedWeight.Pack(weight.Span, outFeatures, inFeatures,
            bias is null ? default : bias.Span, bias is not null, Isa, _pool);
        return new CpuLinearWeight(packed);
    }

    public IForwardPass BeginPass() => new CpuForwardPass(this);

    public void Dispose()
    {
        _pool.Dispose();
        Activations.Clear();
    }

    internal static ImmutableArray<int> ShapeOf(ReadOnlySpan<int> shape) => ImmutableArray.Create(shape);
}
