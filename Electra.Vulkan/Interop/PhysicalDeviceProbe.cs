using System.Runtime.InteropServices;
using Silk.NET.Vulkan;

namespace Electra.Vulkan.Interop;

/// <summary>What a physical device offers, queried once: the public description plus the limits the backend obeys.</summary>
internal sealed record PhysicalDeviceCaps(
    PhysicalDevice Handle,
    VulkanDeviceInfo Info,
    long MaxMemoryAllocationSize,
    long MinStorageBufferOffsetAlignment,
    uint MaxWorkGroupCountX,
    uint MaxWorkGroupCountY,
    uint MaxWorkGroupCountZ,
    uint MaxWorkGroupSizeX,
    uint MaxPushConstantsSize,
    uint ComputeQueueFamily,
    uint ApiVersion)
{
    /// <summary>What a VkPipelineCache's header names: vendor, device and pipelineCacheUUID; plus the driver version.</summary>
    public PipelineCacheKey CacheKey { get; init; } = new(0, 0, 0, Guid.Empty);

    /// <summary>VK_KHR_push_descriptor: descriptors are written into the command buffer, no set per dispatch.</summary>
    public bool SupportsPushDescriptors { get; init; }

    /// <summary>maxPerStageDescriptorStorageBuffers: the fused query/key/value linear binds 10.</summary>
    public uint MaxStorageBuffersPerStage { get; init; } = 4;

    /// <summary>subgroupAdd and friends in compute shaders (VkPhysicalDeviceSubgroupProperties).</summary>
    public bool SupportsSubgroupArithmetic { get; init; }

    /// <summary>Nanoseconds per timestamp tick, or 0 where compute queues cannot write timestamps.</summary>
    public float TimestampPeriod { get; init; }

    /// <summary>What decides the GEMM path (cooperative matrices, float16).</summary>
    public Gemm.GemmCapabilities Gemm { get; init; } = Electra.Vulkan.Gemm.GemmCapabilities.None;
}

/// <summary>Identifies the driver build a pipeline cache belongs to.</summary>
internal sealed record PipelineCacheKey(uint VendorId, uint DeviceId, uint DriverVersion, Guid Uuid);

/// <summary>Queries properties, features and limits of physical devices.</summary>
internal static unsafe class PhysicalDeviceProbe
{
    private const string CooperativeMatrix = "VK_KHR_cooperative_matrix";
    public const string PushDescriptor = "VK_KHR_push_descriptor";

    /// <summary>Devices with a compute queue, in enumeration order, numbered by that order.</summary>
    public static List<PhysicalDeviceCaps> Probe(VulkanInstance instance)
    {
        var list = new List<PhysicalDeviceCaps>();
        foreach (var device in instance.EnumeratePhysicalDevices())
        {
            var caps = ProbeOne(instance, device, list.Count);
            if (caps != null) list.Add(caps);
        }
        return list;
    }

    private static PhysicalDeviceCaps? ProbeOne(VulkanInstance instance, PhysicalDevice device, int index)
    {
        var vk = instance.Vk;
        uint? family = FindComputeQueueFamily(vk, device);
        if (family == null) return null;

        var driver = new PhysicalDeviceDriverProperties { SType = StructureType.PhysicalDeviceDriverProperties };
        var subgroup = new PhysicalDeviceSubgroupProperties { SType = StructureType.PhysicalDeviceSubgroupProperties, PNext = &driver };
        var maintenance3 = new PhysicalDeviceMaintenance3Properties { SType = StructureType.PhysicalDeviceMaintenance3Properties, PNext = &subgroup };
        var props2 = new PhysicalDeviceProperties2 { SType = StructureType.PhysicalDeviceProperties2, PNext = &maintenance3 };
        bool hasDriverProps = HasExtension(vk, device, "VK_KHR_driver_properties");
        if (!hasDriverProps) subgroup.PNext = null;
        vk.GetPhysicalDeviceProperties2(device, &props2);
        var p = props2.Properties;

        var storage16 = new PhysicalDevice16BitStorageFeatures { SType = StructureType.PhysicalDevice16BitStorageFeatures };
        var float16 = new PhysicalDeviceShaderFloat16Int8Features { SType = StructureType.PhysicalDeviceShaderFloat16Int8Features };
        bool hasFloat16Ext = HasExtension(vk, device, "VK_KHR_shader_float16_int8") || p.ApiVersion >= Vk.Version12;
        if (hasFloat16Ext) storage16.PNext = &float16;
        var features2 = new PhysicalDeviceFeatures2 { SType = StructureType.PhysicalDeviceFeatures2, PNext = &storage16 };
        vk.GetPhysicalDeviceFeatures2(device, &features2);

        vk.GetPhysicalDeviceMemoryProperties(device, out var memory);
        long deviceLocal = 0;
        for (int i = 0; i < memory.MemoryHeapCount; i++)
            if ((memory.MemoryHeaps[i].Flags & MemoryHeapFlags.DeviceLocalBit) != 0)
                deviceLocal = Math.Max(deviceLocal, (long)memory.MemoryHeaps[i].Size);

        var info = new VulkanDeviceInfo(
            Index: index,
            Name: Marshal.PtrToStringUTF8((nint)p.DeviceName) ?? "",
            Vendor: VendorName(p.VendorID),
            Type: p.DeviceType switch
            {
                PhysicalDeviceType.DiscreteGpu => VulkanDeviceType.Discrete,
                PhysicalDeviceType.IntegratedGpu => VulkanDeviceType.Integrated,
                PhysicalDeviceType.VirtualGpu => VulkanDeviceType.Virtual,
                PhysicalDeviceType.Cpu => VulkanDeviceType.Cpu,
                _ => VulkanDeviceType.Other,
            },
            DriverName: hasDriverProps ? Marshal.PtrToStringUTF8((nint)driver.DriverName) ?? "" : "",
            DriverInfo: hasDriverProps ? Marshal.PtrToStringUTF8((nint)driver.DriverInfo) ?? "" : $"version {p.DriverVersion}",
            ApiVersion: VulkanLoader.FormatVersion(p.ApiVersion),
            DeviceLocalMemoryBytes: deviceLocal,
            SubgroupSize: (int)subgroup.SubgroupSize,
            Supports16BitStorage: storage16.StorageBuffer16BitAccess,
            SupportsFloat16Arithmetic: hasFloat16Ext && float16.ShaderFloat16,
            SupportsCooperativeMatrix: HasExtension(vk, device, CooperativeMatrix),
            MaxStorageBufferRange: p.Limits.MaxStorageBufferRange,
            MaxComputeSharedMemoryBytes: (int)p.Limits.MaxComputeSharedMemorySize,
            MaxComputeWorkGroupInvocations: (int)p.Limits.MaxComputeWorkGroupInvocations);

        var gemm = CooperativeMatrixProbe.Probe(instance, device, info, p.ApiVersion, p.VendorID,
            hasDriverProps ? (uint)driver.DriverID : 0, p.Limits.MaxPerStageDescriptorStorageBuffers);
        var float16Gemm = Electra.Vulkan.Gemm.GemmPathChoice.Choose(gemm, float16: true);
        var float16Precision = Electra.Vulkan.Gemm.PrecisionChoice.Choose(float16: true, halfActivations: true, info.Supports16BitStorage,
            info.SupportsFloat16Arithmetic);
        var float16Math = Electra.Vulkan.Gemm.HalfArithmeticChoice.Choose(gemm, float16Precision.Float16Activations, float16Gemm.Path);
        info = info with
        {
            Float16PackedArithmetic = float16Math.Enabled, Float16ArithmeticNote = float16Math.Why,
            CooperativeMatrixShapes = gemm.Shapes, Float16GemmPath = float16Gemm.Path, Float16GemmNote = float16Gemm.Why,
            Float16Activations = float16Precision.Activations, Float16PrecisionNote = float16Precision.Why,
        };

        return new PhysicalDeviceCaps(device, info,
            MaxMemoryAllocationSize: (long)maintenance3.MaxMemoryAllocationSize,
            MinStorageBufferOffsetAlignment: (long)p.Limits.MinStorageBufferOffsetAlignment,
            MaxWorkGroupCountX: p.Limits.MaxComputeWorkGroupCount[0],
            MaxWorkGroupCountY: p.Limits.MaxComputeWorkGroupCount[1],
            MaxWorkGroupCountZ: p.Limits.MaxComputeWorkGroupCount[2],
            MaxWorkGroupSizeX: p.Limits.MaxComputeWorkGroupSize[0],
            MaxPushConstantsSize: p.Limits.MaxPushConstantsSize,
            ComputeQueueFamily: family.Value,
            ApiVersion: p.ApiVersion)
        {
            CacheKey = new PipelineCacheKey(p.VendorID, p.DeviceID, p.DriverVersion, new Guid(new ReadOnlySpan<byte>(p.PipelineCacheUuid, 16))),
            SupportsPushDescriptors = HasExtension(vk, device, PushDescriptor),
            MaxStorageBuffersPerStage = p.Limits.MaxPerStageDescriptorStorageBuffers,
            SupportsSubgroupArithmetic = (subgroup.SupportedStages & ShaderStageFlags.ComputeBit) != 0 &&
                (subgroup.SupportedOperations & (SubgroupFeatureFlags.BasicBit | SubgroupFeatureFlags.ArithmeticBit)) ==
                (SubgroupFeatureFlags.BasicBit | SubgroupFeatureFlags.ArithmeticBit),
            TimestampPeriod = p.Limits.TimestampComputeAndGraphics ? p.Limits.TimestampPeriod : 0,
            Gemm = gemm,
        };
    }

    /// <summary>Prefers a compute-only family (dedicated async-compute queues), else any family with compute.</summary>
    private static uint? FindComputeQueueFamily(Vk vk, PhysicalDevice device)
    {
        uint count = 0;
        vk.GetPhysicalDeviceQueueFamilyProperties(device, &count, null);
        var families = new QueueFamilyProperties[count];
        fixed (QueueFamilyProperties* f = families) vk.GetPhysicalDeviceQueueFamilyProperties(device, &count, f);
        uint? any = null;
        for (uint i = 0; i < count; i++)
        {
            var flags = families[i].QueueFlags;
            if ((flags & QueueFlags.ComputeBit) == 0 || families[i].QueueCount == 0) continue;
            if ((flags & QueueFlags.GraphicsBit) == 0) return i;
            any ??= i;
        }
        return any;
    }

    public static bool HasExtension(Vk vk, PhysicalDevice device, string name)
    {
        uint count = 0;
        vk.EnumerateDeviceExtensionProperties(device, (byte*)null, &count, null);
        var props = new ExtensionProperties[count];
        fixed (ExtensionProperties* p = props) vk.EnumerateDeviceExtensionProperties(device, (byte*)null, &count, p);
        foreach (var e in props)
            if (Marshal.PtrToStringUTF8((nint)e.ExtensionName) == name) return true;
        return false;
    }

    private static string VendorName(uint id) => id switch
    {
        0x1002 => "AMD",
        0x1010 => "ImgTec",
        0x10DE => "NVIDIA",
        0x13B5 => "ARM",
        0x5143 => "Qualcomm",
        0x8086 => "Intel",
        0x106B => "Apple",
        0x10005 => "Mesa",
        _ => $"0x{id:X4}",
    };
}
