using System.Runtime.InteropServices;
using Electra.Core.Errors;
using Silk.NET.Core.Native;
using Silk.NET.Vulkan;

namespace Electra.Vulkan.Interop;

/// <summary>A Vulkan instance, with the validation layer and a message collector when asked for.</summary>
internal sealed unsafe class VulkanInstance : IDisposable
{
    private const string ValidationLayer = "VK_LAYER_KHRONOS_validation";
    private const string DebugUtils = "VK_EXT_debug_utils";
    private const string ValidationFeatures = "VK_EXT_validation_features";

    private DebugUtilsMessengerEXT _messenger;
    private bool _disposed;

    public Vk Vk { get; }
    public Instance Handle { get; }
    public ValidationLog? Validation { get; }

    /// <summary>The Vulkan version the instance was created for: a device's features beyond it cannot be used.</summary>
    public uint ApiVersion { get; }

    public VulkanInstance(bool enableValidation)
    {
        Vk = VulkanLoader.Load();
        ApiVersion = InstanceVersion(Vk);
        bool validation = enableValidation && HasLayer(ValidationLayer);
        if (enableValidation && !validation)
            throw new BackendException(
                $"validation was requested but the layer {ValidationLayer} is not installed (Debian/Ubuntu: apt-get install vulkan-validationlayers)");
        bool debugUtils = validation && HasInstanceExtension(DebugUtils);
        // Synchronization validation too: a missing barrier is as much a bug as a bad binding.
        bool syncValidation = validation && HasInstanceExtension(ValidationFeatures, ValidationLayer);
        if (validation) Validation = new ValidationLog();

        var appName = SilkMarshal.StringToPtr("Electra.NET");
        var layers = validation ? SilkMarshal.StringArrayToPtr([ValidationLayer]) : 0;
        string[] extensionNames = [.. (debugUtils ? new[] { DebugUtils } : []), .. (syncValidation ? new[] { ValidationFeatures } : [])];
        var extensions = extensionNames.Length > 0 ? SilkMarshal.StringArrayToPtr(extensionNames) : 0;
        try
        {
            var app = new ApplicationInfo
            {
                SType = StructureType.ApplicationInfo,
                PApplicationName = (byte*)appName,
                PEngineName = (byte*)appName,
                ApiVersion = ApiVersion,
            };
            var messengerInfo = Validation?.CreateInfo() ?? default;
            var enabledFeature = ValidationFeatureEnableEXT.SynchronizationValidationExt;
            var features = new ValidationFeaturesEXT
            {
                SType = StructureType.ValidationFeaturesExt,
                EnabledValidationFeatureCount = 1,
                PEnabledValidationFeatures = &enabledFeature,
            };
            if (syncValidation) messengerInfo.PNext = &features;
            var info = new InstanceCreateInfo
            {
                SType = StructureType.InstanceCreateInfo,
                PApplicationInfo = &app,
                EnabledLayerCount = validation ? 1u : 0u,
                PpEnabledLayerNames = (byte**)layers,
                EnabledExtensionCount = (uint)extensionNames.Length,
                PpEnabledExtensionNames = (byte**)extensions,
                // Chaining the messenger here also catches messages from instance creation and destruction.
                PNext = debugUtils ? &messengerInfo : syncValidation ? &features : null,
            };
            Instance instance;
            var result = Vk.CreateInstance(&info, null, &instance);
            if (result == Result.ErrorIncompatibleDriver || result == Result.ErrorInitializationFailed)
                throw new VulkanUnavailableException(
                    $"no Vulkan driver (ICD) was found (vkCreateInstance: {result}). " + VulkanUnavailableException.InstallHint);
            if (result != Result.Success)
                throw new VulkanUnavailableException($"vkCreateInstance failed: {result}. " + VulkanUnavailableException.InstallHint);
            Handle = instance;
            Vk.CurrentInstance = instance;
            // The validation-features struct belongs to the instance's chain only: vkCreateDebugUtilsMessengerEXT
            // requires pNext to be NULL (the layer reports it, before this messenger exists to count it).
            messengerInfo.PNext = null;
            if (debugUtils) _messenger = CreateMessenger(messengerInfo);
        }
        catch
        {
            Validation?.Dispose();
            throw;
        }
        finally
        {
            SilkMarshal.Free(appName);
            if (layers != 0) SilkMarshal.Free(layers);
            if (extensions != 0) SilkMarshal.Free(extensions);
        }
    }

    /// <summary>Vulkan 1.3 where the loader offers it (devices then expose their 1.2/1.3 features); 1.1 otherwise.</summary>
    private static uint InstanceVersion(Vk vk)
    {
        uint version = 0;
        return vk.EnumerateInstanceVersion(&version) == Result.Success && version >= Vk.Version13 ? Vk.Version13 : Vk.Version11;
    }

    public PhysicalDevice[] EnumeratePhysicalDevices()
    {
        uint count = 0;
        VulkanLoader.Check(Vk.EnumeratePhysicalDevices(Handle, &count, null), "vkEnumeratePhysicalDevices");
        var devices = new PhysicalDevice[count];
        fixed (PhysicalDevice* p = devices)
            VulkanLoader.Check(Vk.EnumeratePhysicalDevices(Handle, &count, p), "vkEnumeratePhysicalDevices");
        return devices[..(int)count];
    }

    // VK_EXT_debug_utils entry points are not in the core bindings, so they are called through function pointers.
    private DebugUtilsMessengerEXT CreateMessenger(DebugUtilsMessengerCreateInfoEXT info)
    {
        var create = (delegate* unmanaged<Instance, DebugUtilsMessengerCreateInfoEXT*, AllocationCallbacks*, DebugUtilsMessengerEXT*, Result>)
            (void*)(nint)Vk.GetInstanceProcAddr(Handle, "vkCreateDebugUtilsMessengerEXT");
        if (create == null) return default;
        DebugUtilsMessengerEXT messenger;
        VulkanLoader.Check(create(Handle, &info, null, &messenger), "vkCreateDebugUtilsMessengerEXT");
        return messenger;
    }

    private void DestroyMessenger()
    {
        if (_messenger.Handle == 0) return;
        var destroy = (delegate* unmanaged<Instance, DebugUtilsMessengerEXT, AllocationCallbacks*, void>)
            (void*)(nint)Vk.GetInstanceProcAddr(Handle, "vkDestroyDebugUtilsMessengerEXT");
        if (destroy != null) destroy(Handle, _messenger, null);
        _messenger = default;
    }

    private bool HasLayer(string name)
    {
        uint count = 0;
        Vk.EnumerateInstanceLayerProperties(&count, null);
        var props = new LayerProperties[count];
        fixed (LayerProperties* p = props) Vk.EnumerateInstanceLayerProperties(&count, p);
        foreach (var l in props)
            if (Marshal.PtrToStringUTF8((nint)l.LayerName) == name) return true;
        return false;
    }

    private bool HasInstanceExtension(string name, string? layer = null)
    {
        uint count = 0;
        var layerName = layer is null ? 0 : SilkMarshal.StringToPtr(layer);
        try
        {
            Vk.EnumerateInstanceExtensionProperties((byte*)layerName, &count, null);
            var props = new ExtensionProperties[count];
            fixed (ExtensionProperties* p = props) Vk.EnumerateInstanceExtensionProperties((byte*)layerName, &count, p);
            return props.Any(e => Marshal.PtrToStringUTF8((nint)e.ExtensionName) == name);
        }
        finally
        {
            if (layerName != 0) SilkMarshal.Free(layerName);
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        DestroyMessenger();
        Vk.DestroyInstance(Handle, null);
        Validation?.Dispose();
        Vk.Dispose();
    }
}
