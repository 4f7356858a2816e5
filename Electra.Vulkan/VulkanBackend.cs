using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Electra.Core.Backend;
using Electra.Core.Errors;
using Electra.Core.Tensors;
using Electra.Vulkan.Interop;
using Electra.Vulkan.Memory;
using Electra.Vulkan.Kernels;
using Electra.Vulkan.Tensors;

namespace Electra.Vulkan;

/// <summary>
/// Runs the ELECTRA forward pass with GLSL compute shaders on any Vulkan device. Weights are uploaded once to
/// device-local memory; each <see cref="IForwardPass"/> records all its work into one command buffer.
/// Safe to use from several threads, each with its own pass. Dispose releases every Vulkan object.
/// </summary>
public sealed class VulkanBackend : IBackend
{
    private readonly List<GpuBuffer> _weightBuffers = new();
    private readonly HashSet<VulkanForwardPass> _passes = new();
    private readonly object _lock = new();
    private readonly WeightUploader _uploader;
    private bool _disposed;

    internal VulkanContext Context { get; }
    internal KernelCache Kernels { get; }
    internal KernelCatalog Catalog { get; }
    internal BufferPool Pool { get; }

    /// <summary>A small buffer bound where a kernel's optional input (bias, residual) is absent.</summary>
    internal GpuBuffer Placeholder { get; }

    private readonly List<string> _warnings = new();

    private VulkanBackend(VulkanContext context, VulkanOptions options)
    {
        Context = context;
        Kernels = new KernelCache(context, options.PipelineCacheDirectory, _warnings);
        Catalog = new KernelCatalog(context.Caps, context.Gemm) { HalfArithmetic = context.HalfArithmetic.Enabled };
        if (options.CpuShapedKernels is bool cpuShaped) Catalog.CpuShapedKernels = cpuShaped;
        // Every pipeline a forward can need is built now (through the on-disk cache), not during the first forward.
        Kernels.Warm(Catalog.Eager(context.Float16StorageEnabled, context.Float16Activations));
        Pool = new BufferPool(context);
        _uploader = new WeightUploader(context);
        Placeholder = context.DeviceArena.Allocate(16);
    }

    /// <summary>Creates the backend on the device the options select.</summary>
    /// <exception cref="VulkanUnavailableException">no Vulkan loader, driver or matching device.</exception>
    /// <exception cref="BackendException">the device could not be initialized.</exception>
    public static VulkanBackend Create(VulkanOptions? options = null)
    {
        options ??= VulkanOptions.Default;
        var context = new VulkanContext(options);
        try
        {
            return new VulkanBackend(context, options);
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    public string Name => "vulkan";

    public string DeviceDescription => Device.Describe();

    /// <summary>The device this backend runs on.</summary>
    public VulkanDeviceInfo Device => Context.Caps.Info;

    /// <summary>How linear layers are multiplied on this device and precision (cooperative matrices only under float16).</summary>
    public GemmPath GemmPath => Context.Gemm.Path;

    /// <summary>Why <see cref="GemmPath"/> was chosen: the cooperative-matrix shape used, or why none is.</summary>
    public string GemmNote => Context.Gemm.Why;

    /// <summary>
    /// Whether the GPU-shaped float16 GEMMs (large, small-M and split-K tiles, query/key/value in one, the dense layer fused
    /// with LayerNorm) multiply in packed f16vec2 arithmetic, folding half partial sums of 16 products into float32
    /// accumulators; otherwise they widen their float16 operands to float32. Only over float16 activations; never in the
    /// CPU-shaped kernels or the cooperative-matrix GEMM (which multiplies on matrix cores). See <see cref="VulkanOptions.HalfArithmetic"/>.
    /// </summary>
    public bool HalfArithmetic => Catalog.HalfArithmetic;

    /// <summary>Why <see cref="HalfArithmetic"/> is what it is.</summary>
    public string HalfArithmeticNote => Context.HalfArithmetic.Why;

    /// <summary>Whether linear weights are stored as float16 (requested and supported).</summary>
    public bool UsesFloat16Weights => Context.Float16StorageEnabled;

    /// <summary>
    /// How activations are stored: float16 under <see cref="VulkanOptions.UseFloat16Weights"/> on a device with shaderFloat16
    /// and 16-bit storage buffers (unless <see cref="VulkanOptions.Float16Activations"/> is false), else float32. Sums are
    /// float32 either way, and every read returns float32.
    /// </summary>
    public ActivationPrecision ActivationPrecision => Context.Precision.Activations;

    /// <summary>Why <see cref="ActivationPrecision"/> and <see cref="UsesFloat16Weights"/> are what they are (the fallback taken, if any).</summary>
    public string PrecisionNote => Context.Precision.Why;

    /// <summary>Validation-layer warnings and errors so far (empty unless validation is enabled).</summary>
    public ImmutableArray<string> ValidationMessages =>
        Context.Instance.Validation?.Messages ?? ImmutableArray<string>.Empty;

    /// <summary>Problems that did not stop the backend (e.g. a pipeline cache on disk that was ignored).</summary>
    public ImmutableArray<string> Warnings
    {
        get { lock (_warnings) return [.. _warnings]; }
    }

    /// <summary>Dispatches, barriers, submissions, object creations and memory allocations so far (see <see cref="VulkanCounters"/>).</summary>
    public VulkanCounters Counters => Context.Counters.Snapshot();

    /// <summary>
    /// GPU time per shader since creation (or <see cref="ResetProfile"/>) when created with <see cref="VulkanOptions.Profile"/>
    /// on a device whose compute queue writes timestamps; empty otherwise.
    /// </summary>
    public ImmutableSortedDictionary<string, VulkanOpTime> Profile =>
        Context.Profile?.Snapshot() ?? ImmutableSortedDictionary<string, VulkanOpTime>.Empty;

    /// <summary>Starts <see cref="Profile"/> over (e.g. after warm-up forwards).</summary>
    public void ResetProfile() => Context.Profile?.Clear();

    /// <summary>Whether bindings are pushed into command buffers (VK_KHR_push_descriptor) rather than written into descriptor sets.</summary>
    public bool UsesPushDescriptors => Context.UsesPushDescriptors;

    /// <summary>Whether the validation layer is active.</summary>
    public bool ValidationEnabled => Context.Instance.Validation != null;

    /// <summary>Reads through a readback copy even where device memory is host-visible (tests the discrete-GPU path on unified memory).</summary>
    internal bool ForceStagedReads { get; set; }

    /// <summary>Device memory held by the activation buffer pool, in bytes (a steady value means passes do not leak).</summary>
    public long ActivationBytes => Pool.AllocatedBytes;

    /// <summary>Vulkan objects (buffers, memory, pipelines, pools ...) currently alive on the device.</summary>
    internal long LiveObjects => Context.LiveObjects;

    public DeviceTensor UploadWeight(HostTensor weight)
    {
        ArgumentNullException.ThrowIfNull(weight);
        ThrowIfDisposed();
        var shape = weight.Shape;
        long rows = shape.Length == 0 ? 1 : shape[0];
        long rowElements = rows == 0 ? 0 : weight.ElementCount / rows;
        var storage = UploadRows(MemoryMarshal.AsBytes(weight.Span), rows, rowElements * 4, $"weight {TensorShape.Format(shape)}");
        return new VulkanTensor(shape.Length == 0 ? [1] : shape, DeviceDType.Float32, storage);
    }

    public LinearWeight UploadLinear(HostTensor weight, HostTensor? bias)
    {
        ArgumentNullException.ThrowIfNull(weight);
        ThrowIfDisposed();
        if (weight.Rank != 2)
            throw new WeightMismatchException("linear.weight",
                $"linear weight must be [out, in], got {TensorShape.Format(weight.Shape)}");
        int outFeatures = weight.Shape[0], inFeatures = weight.Shape[1];
        if (bias != null && (bias.Rank != 1 || bias.Shape[0] != outFeatures))
            throw new WeightMismatchException("linear.bias",
                $"linear bias must be [{outFeatures}] for weight {TensorShape.Format(weight.Shape)}, got {TensorShape.Format(bias.Shape)}");

        bool half = Context.Float16StorageEnabled;
        TensorStorage storage;
        if (half)
        {
            var halves = new Half[weight.ElementCount];
            var src = weight.Span;
            for (int i = 0; i < halves.Length; i++) halves[i] = (Half)src[i];
            storage = UploadRows(MemoryMarshal.AsBytes(halves.AsSpan()), outFeatures, inFeatures * 2L, $"linear weight {TensorShape.Format(weight.Shape)}");
        }
        else
        {
            storage = UploadRows(MemoryMarshal.AsBytes(weight.Span), outFeatures, inFeatures * 4L, $"linear weight {TensorShape.Format(weight.Shape)}");
        }

        GpuBuffer? biasBuffer = null;
        if (bias != null)
        {
            var biasStorage = UploadRows(MemoryMarshal.AsBytes(bias.Span), 1, outFeatures * 4L, $"linear bias [{outFeatures}]");
            biasBuffer = biasStorage.Single;
        }
        return new VulkanLinearWeight(inFeatures, outFeatures, storage, biasBuffer, half);
    }

    private TensorStorage UploadRows(ReadOnlySpan<byte> data, long rows, long rowBytes, string what)
    {
        long rowsPerChunk = _uploader.RowsPerChunk(rows, rowBytes, what);
        var chunks = _uploader.Upload(data, rows, rowBytes, rowsPerChunk);
        lock (_lock) _weightBuffers.AddRange(chunks);
        return new TensorStorage(this, chunks, rowsPerChunk, isWeight: true);
    }

    public IForwardPass BeginPass()
    {
        ThrowIfDisposed();
        var pass = new VulkanForwardPass(this);
        lock (_lock) _passes.Add(pass);
        return pass;
    }

    internal void PassEnded(VulkanForwardPass pass)
    {
        lock (_lock) _passes.Remove(pass);
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    public void Dispose()
    {
        if (_disposed) return;
        VulkanForwardPass[] open;
        lock (_lock) open = [.. _passes];
        foreach (var pass in open) pass.Dispose();
        _disposed = true;
        Context.Vk.DeviceWaitIdle(Context.Device);
        _uploader.Dispose();
        Kernels.Dispose();
        Pool.Dispose();
        foreach (var b in _weightBuffers) b.Dispose();
        _weightBuffers.Clear();
        Placeholder.Dispose();
        Context.Dispose();
    }
}
