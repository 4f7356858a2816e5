using System.Collections.Immutable;
using Electra.Vulkan.Gemm;
using Silk.NET.Vulkan;

namespace Electra.Vulkan.Interop;

/// <summary>
/// Queries what decides a device's GEMM path (<see cref="GemmCapabilities"/>): the Vulkan 1.2/1.3 features the
/// cooperative-matrix shader needs, the cooperative-matrix extensions and the shapes they offer.
/// </summary>
internal static unsafe class CooperativeMatrixProbe
{
    public const string KhrExtension = "VK_KHR_cooperative_matrix";
    public const string NvExtension = "VK_NV_cooperative_matrix";

    public static GemmCapabilities Probe(VulkanInstance instance, PhysicalDevice device, VulkanDeviceInfo info, uint deviceApiVersion,
        uint vendorId, uint driverId, uint maxStorageBuffersPerStage)
    {
        var vk = instance.Vk;
        uint api = Math.Min(deviceApiVersion, instance.ApiVersion);
        var none = GemmCapabilities.None with
        {
            VendorId = vendorId, DriverId = driverId, Type = info.Type, ApiVersion = api, Storage16Bit = info.Supports16BitStorage,
            ShaderFloat16 = info.SupportsFloat16Arithmetic, SubgroupSize = info.SubgroupSize, MinSubgroupSize = info.SubgroupSize,
            MaxSubgroupSize = info.SubgroupSize, MaxSharedMemoryBytes = info.MaxComputeSharedMemoryBytes,
            MaxWorkGroupInvocations = info.MaxComputeWorkGroupInvocations, MaxStorageBuffersPerStage = maxStorageBuffersPerStage,
        };
        // The Vulkan 1.2/1.3 feature structs may only be chained where instance and device are 1.3.
        if (api < Vk.Version13) return none;

        bool khr = PhysicalDeviceProbe.HasExtension(vk, device, KhrExtension);
        bool nv = PhysicalDeviceProbe.HasExtension(vk, device, NvExtension);
        var khrFeatures = new PhysicalDeviceCooperativeMatrixFeaturesKHR { SType = StructureType.PhysicalDeviceCooperativeMatrixFeaturesKhr };
        var nvFeatures = new PhysicalDeviceCooperativeMatrixFeaturesNV { SType = StructureType.PhysicalDeviceCooperativeMatrixFeaturesNV };
        var v13 = new PhysicalDeviceVulkan13Features { SType = StructureType.PhysicalDeviceVulkan13Features };
        var v12 = new PhysicalDeviceVulkan12Features { SType = StructureType.PhysicalDeviceVulkan12Features, PNext = &v13 };
        void* tail = null;
        if (nv) { nvFeatures.PNext = tail; tail = &nvFeatures; }
        if (khr) { khrFeatures.PNext = tail; tail = &khrFeatures; }
        v13.PNext = tail;
        var features = new PhysicalDeviceFeatures2 { SType = StructureType.PhysicalDeviceFeatures2, PNext = &v12 };
        vk.GetPhysicalDeviceFeatures2(device, &features);

        var sizeControl = new PhysicalDeviceSubgroupSizeControlProperties { SType = StructureType.PhysicalDeviceSubgroupSizeControlProperties };
        var props = new PhysicalDeviceProperties2 { SType = StructureType.PhysicalDeviceProperties2, PNext = &sizeControl };
        vk.GetPhysicalDeviceProperties2(device, &props);

        khr &= khrFeatures.CooperativeMatrix;
        nv &= nvFeatures.CooperativeMatrix;
        var shapes = ImmutableArray.CreateBuilder<CooperativeMatrixShape>();
        if (khr) shapes.AddRange(KhrShapes(instance, device));
        if (nv) shapes.AddRange(NvShapes(instance, device));
        return none with
        {
            ShaderFloat16 = v12.ShaderFloat16,
            VulkanMemoryModel = v12.VulkanMemoryModel,
            KhrCooperativeMatrix = khr,
            NvCooperativeMatrix = nv,
            Shapes = shapes.ToImmutable(),
            MinSubgroupSize = (int)sizeControl.MinSubgroupSize,
            MaxSubgroupSize = (int)sizeControl.MaxSubgroupSize,
            SubgroupSizeControl = v13.SubgroupSizeControl && v13.ComputeFullSubgroups &&
                (sizeControl.RequiredSubgroupSizeStages & ShaderStageFlags.ComputeBit) != 0,
        };
    }

    private static List<CooperativeMatrixShape> KhrShapes(VulkanInstance instance, PhysicalDevice device) =>
        Shapes(instance, device, "vkGetPhysicalDeviceCooperativeMatrixPropertiesKHR",
            new CooperativeMatrixPropertiesKHR { SType = StructureType.CooperativeMatrixPropertiesKhr },
            s => new CooperativeMatrixShape(CooperativeMatrixExtension.Khr, (int)s.MSize, (int)s.NSize, (int)s.KSize,
                Component((int)s.AType), Component((int)s.BType), Component((int)s.CType), Component((int)s.ResultType),
                s.Scope == ScopeKHR.SubgroupKhr));

    private static List<CooperativeMatrixShape> NvShapes(VulkanInstance instance, PhysicalDevice device) =>
        Shapes(instance, device, "vkGetPhysicalDeviceCooperativeMatrixPropertiesNV",
            new CooperativeMatrixPropertiesNV { SType = StructureType.CooperativeMatrixPropertiesNV },
            s => new CooperativeMatrixShape(CooperativeMatrixExtension.NV, (int)s.MSize, (int)s.NSize, (int)s.KSize,
                Component((int)s.AType), Component((int)s.BType), Component((int)s.CType), Component((int)s.DType),
                (int)s.Scope == 3));   // VK_SCOPE_SUBGROUP_NV

    /// <summary>
    /// The two-call enumeration both extensions share (count, then the array with each element's sType set); a driver
    /// without the function, or one that fails either call, offers no shapes.
    /// </summary>
    private static List<CooperativeMatrixShape> Shapes<TProperties>(VulkanInstance instance, PhysicalDevice device, string function,
        TProperties blank, Func<TProperties, CooperativeMatrixShape> shape) where TProperties : unmanaged
    {
        var get = (delegate* unmanaged<PhysicalDevice, uint*, TProperties*, Result>)
            (void*)(nint)instance.Vk.GetInstanceProcAddr(instance.Handle, function);
        var list = new List<CooperativeMatrixShape>();
        if (get == null) return list;
        uint count = 0;
        if (get(device, &count, null) != Result.Success || count == 0) return list;
        var props = new TProperties[count];
        Array.Fill(props, blank);
        fixed (TProperties* p = props)
            if (get(device, &count, p) is not (Result.Success or Result.Incomplete)) return list;
        for (int i = 0; i < count; i++) list.Add(shape(props[i]));
        return list;
    }

    private static CooperativeMatrixComponent Component(int value) =>
        value is >= 0 and <= 10 ? (CooperativeMatrixComponent)value : CooperativeMatrixComponent.Other;
}
