using Electra.Core.Errors;
using Electra.Vulkan.Gemm;
using Electra.Vulkan.Memory;
using Silk.NET.Core.Native;
using Silk.NET.Vulkan;

namespace Electra.Vulkan.Interop;

/// <summary>
/// The logical device and its one compute queue. Queue submissions are serialized here (lavapipe and many GPUs
/// expose a single queue); everything else (command pools, descriptor pools) is per pass.
/// </summary>
internal sealed unsafe class VulkanContext : IDisposable
{
    private readonly object _queueLock = new();
    private long _liveObjects;
    private bool _disposed;

    public VulkanInstance Instance { get; }
    public Vk Vk => Instance.Vk;
    public PhysicalDeviceCaps Caps { get; }
    public Device Device { get; }
    public Queue Queue { get; }
    public bool Float16StorageEnabled { get; }

    /// <summary>What float16 precision became on this device: half weights, half activations, and why.</summary>
    public PrecisionChoice Precision { get; }

    /// <summary>Activations stored as float16 (the *_f16act kernels; shaderFloat16 enabled).</summary>
    public bool Float16Activations => Precision.Float16Activations;

    /// <summary>The GEMM path: a cooperative-matrix one enables its extension and the features its shader needs.</summary>
    public GemmChoice Gemm { get; }

    /// <summary>Whether the GPU-shaped float16 GEMMs multiply in packed half arithmetic.</summary>
    public HalfArithmeticChoice HalfArithmetic { get; }
    public PhysicalDeviceMemoryProperties MemoryProperties { get; }
    public CounterSet Counters { get; } = new();

    /// <summary>Per-shader GPU time, or null when not profiling (not asked for, or no timestamps on this queue).</summary>
    public GpuProfile? Profile { get; }

    /// <summary>vkCmdPushDescriptorSetKHR where VK_KHR_push_descriptor is enabled, else null (descriptor sets are allocated).</summary>
    public delegate* unmanaged<CommandBuffer, PipelineBindPoint, PipelineLayout, uint, uint, WriteDescriptorSet*, void> PushDescriptorSet { get; }

    public bool UsesPushDescriptors => PushDescriptorSet != null;

    /// <summary>Device-local activations and weights, sub-allocated from 64 MiB blocks.</summary>
    public MemoryArena DeviceArena { get; }
    /// <summary>Host-visible staging for uploads.</summary>
    public MemoryArena UploadArena { get; }
    /// <summary>Host-visible (cached where possible) memory that results are copied into on discrete GPUs.</summary>
    public MemoryArena ReadbackArena { get; }

    /// <summary>Largest byte range one storage-buffer descriptor binds (device limit, options cap, allocation cap).</summary>
    public long MaxBindingBytes { get; }

    /// <summary>Vulkan objects created through this context and not yet destroyed (a leak check for tests).</summary>
    public long LiveObjects => Interlocked.Read(ref _liveObjects);

    public VulkanContext(VulkanOptions options)
    {
        Instance = new VulkanInstance(options.EnableValidation);
        try
        {
            var devices = PhysicalDeviceProbe.Probe(Instance);
            Caps = DeviceSelection.Select(devices, c => c.Info, options);
            // The shaders are SPIR-V 1.3 (subgroup-era), which needs a Vulkan 1.1 device.
            if (Caps.ApiVersion < Vk.Version11)
                throw new VulkanUnavailableException(
                    $"device '{Caps.Info.Name}' supports Vulkan {Caps.Info.ApiVersion} only; Electra.Vulkan needs 1.1 or newer (update the driver)");
            Precision = PrecisionChoice.Choose(options.UseFloat16Weights, options.Float16Activations, Caps.Info.Supports16BitStorage,
                Caps.Info.SupportsFloat16Arithmetic);
            Float16StorageEnabled = Precision.Float16Weights;
            Gemm = GemmPathChoice.Choose(Caps.Gemm, Float16StorageEnabled, options.MaxGemmPath);
            HalfArithmetic = HalfArithmeticChoice.Choose(Caps.Gemm, Precision.Float16Activations, Gemm.Path, options.HalfArithmetic);
            bool push = Caps.SupportsPushDescriptors && !options.ForceDescriptorSets;
            Device = CreateDevice(Caps, Float16StorageEnabled, Precision.Float16Activations, push, Gemm);
            Vk.CurrentDevice = Device;
            if (push)
                PushDescriptorSet = (delegate* unmanaged<CommandBuffer, PipelineBindPoint, PipelineLayout, uint, uint, WriteDescriptorSet*, void>)
                    (void*)(nint)Vk.GetDeviceProcAddr(Device, "vkCmdPushDescriptorSetKHR");
            Vk.GetDeviceQueue(Device, Caps.ComputeQueueFamily, 0, out var queue);
            Queue = queue;
            Vk.GetPhysicalDeviceMemoryProperties(Caps.Handle, out var memory);
            MemoryProperties = memory;

            long limit = Caps.Info.MaxStorageBufferRange;
            if (Caps.MaxMemoryAllocationSize > 0) limit = Math.Min(limit, Caps.MaxMemoryAllocationSize);
            if (options.MaxStorageBufferBytes is long cap) limit = Math.Min(limit, Math.Max(16, cap));
            MaxBindingBytes = limit & ~15L;   // keep chunks 16-byte aligned
            if (options.Profile && Caps.TimestampPeriod > 0) Profile = new GpuProfile();
            DeviceArena = new MemoryArena(this, BufferKind.DeviceLocal, 64L << 20);
            UploadArena = new MemoryArena(this, BufferKind.Upload, 16L << 20);
            ReadbackArena = new MemoryArena(this, BufferKind.Readback, 16L << 20);
        }
        catch
        {
            Instance.Dispose();
            throw;
        }
    }

    private Device CreateDevice(PhysicalDeviceCaps caps, bool float16Storage, bool float16Arithmetic, bool pushDescriptors, GemmChoice gemm)
    {
        float priority = 1f;
        var queueInfo = new DeviceQueueCreateInfo
        {
            SType = StructureType.DeviceQueueCreateInfo,
            QueueFamilyIndex = caps.ComputeQueueFamily,
            QueueCount = 1,
            PQueuePriorities = &priority,
        };
        // Enable only what the shaders use, and only where supported.
        var storage16 = new PhysicalDevice16BitStorageFeatures
        {
            SType = StructureType.PhysicalDevice16BitStorageFeatures,
            StorageBuffer16BitAccess = float16Storage,
        };
        // The cooperative-matrix GEMM: its extension and feature, float16 arithmetic and the Vulkan memory model (the
        // shader's SPIR-V declares both), subgroup size control where its pipelines ask for a size.
        bool khr = gemm.Path == GemmPath.CooperativeMatrixKhr, nv = gemm.Path == GemmPath.CooperativeMatrixNV;
        var khrFeatures = new PhysicalDeviceCooperativeMatrixFeaturesKHR { SType = StructureType.PhysicalDeviceCooperativeMatrixFeaturesKhr, CooperativeMatrix = true };
        var nvFeatures = new PhysicalDeviceCooperativeMatrixFeaturesNV { SType = StructureType.PhysicalDeviceCooperativeMatrixFeaturesNV, CooperativeMatrix = true };
        bool sizeControl = gemm.Tiles is { RequiredSubgroupSize: > 0 };
        var v13 = new PhysicalDeviceVulkan13Features
        {
            SType = StructureType.PhysicalDeviceVulkan13Features,
            SubgroupSizeControl = sizeControl,
            ComputeFullSubgroups = sizeControl,
            PNext = khr ? &khrFeatures : &nvFeatures,
        };
        var v12 = new PhysicalDeviceVulkan12Features
        {
            SType = StructureType.PhysicalDeviceVulkan12Features,
            ShaderFloat16 = true,
            VulkanMemoryModel = true,
            PNext = &v13,
        };
        // float16 activations without a cooperative-matrix path: shaderFloat16 alone (its Vulkan 1.1 extension struct, as
        // the probe read it; it may not be chained beside Vulkan12Features).
        var float16Features = new PhysicalDeviceShaderFloat16Int8Features
        {
            SType = StructureType.PhysicalDeviceShaderFloat16Int8Features,
            ShaderFloat16 = true,
        };
        if (khr || nv) storage16.PNext = &v12;
        else if (float16Arithmetic) storage16.PNext = &float16Features;
        bool float16Extension = float16Arithmetic && !(khr || nv) && caps.ApiVersion < Vk.Version12;
        string[] extensionNames =
        [
            .. pushDescriptors ? new[] { PhysicalDeviceProbe.PushDescriptor } : [],
            .. khr ? new[] { CooperativeMatrixProbe.KhrExtension } : nv ? [CooperativeMatrixProbe.NvExtension] : [],
            .. float16Extension ? new[] { "VK_KHR_shader_float16_int8" } : [],
        ];
        var extensions = extensionNames.Length > 0 ? SilkMarshal.StringArrayToPtr(extensionNames) : 0;
        var info = new DeviceCreateInfo
        {
            SType = StructureType.DeviceCreateInfo,
            QueueCreateInfoCount = 1,
            PQueueCreateInfos = &queueInfo,
            PNext = float16Storage ? &storage16 : null,
            EnabledExtensionCount = (uint)extensionNames.Length,
            PpEnabledExtensionNames = (byte**)extensions,
        };
        Device device;
        Result result;
        try
        {
            result = Vk.CreateDevice(caps.Handle, &info, null, &device);
        }
        finally
        {
            if (extensions != 0) SilkMarshal.Free(extensions);
        }
        if (result != Result.Success)
            throw new BackendException($"vkCreateDevice failed on '{caps.Info.Name}': {result}");
        return device;
    }

    public void Created()
    {
        Interlocked.Increment(ref _liveObjects);
        Counters.ObjectCreated();
    }
    public void Destroyed() => Interlocked.Decrement(ref _liveObjects);

    /// <summary>Index of a memory type allowed by <paramref name="typeBits"/> with all the required flags, preferring the preferred ones.</summary>
    public uint FindMemoryType(uint typeBits, MemoryPropertyFlags required, MemoryPropertyFlags preferred)
    {
        int fallback = -1;
        for (int i = 0; i < MemoryProperties.MemoryTypeCount; i++)
        {
            if ((typeBits & (1u << i)) == 0) continue;
            var flags = MemoryProperties.MemoryTypes[i].PropertyFlags;
            if ((flags & required) != required) continue;
            if ((flags & preferred) == preferred) return (uint)i;
            if (fallback < 0) fallback = i;
        }
        if (fallback < 0)
            throw new BackendException($"device '{Caps.Info.Name}' has no memory type with {required}");
        return (uint)fallback;
    }

    /// <summary>Submits one command buffer and waits for it; one submission at a time across threads.</summary>
    public void SubmitAndWait(CommandBuffer commandBuffer, Fence fence)
    {
        var submit = new SubmitInfo
        {
            SType = StructureType.SubmitInfo,
            CommandBufferCount = 1,
            PCommandBuffers = &commandBuffer,
        };
        lock (_queueLock)
        {
            VulkanLoader.Check(Vk.ResetFences(Device, 1, &fence), "vkResetFences");
            VulkanLoader.Check(Vk.QueueSubmit(Queue, 1, &submit, fence), "vkQueueSubmit");
        }
        Counters.Submitted();
        var wait = Vk.WaitForFences(Device, 1, &fence, true, ulong.MaxValue);
        if (wait != Result.Success)
            throw new BackendException($"waiting for the Vulkan queue failed: {wait} (device lost or driver reset?)");
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        lock (_queueLock) Vk.DeviceWaitIdle(Device);
        DeviceArena?.Dispose();
        UploadArena?.Dispose();
        ReadbackArena?.Dispose();
        Vk.DestroyDevice(Device, null);
        Instance.Dispose();
    }
}
