using Silk.NET.Vulkan;

namespace Electra.Vulkan.Interop;

/// <summary>Loads the Vulkan loader library, turning its absence into <see cref="VulkanUnavailableException"/>.</summary>
internal static class VulkanLoader
{
    public static Vk Load()
    {
        try
        {
            return Vk.GetApi();
        }
        // Silk.NET reports a missing libvulkan as FileNotFoundException (not DllNotFoundException); any failure
        // here means the same thing to the user.
        catch (Exception e)
        {
            throw new VulkanUnavailableException(
                $"the Vulkan loader library (libvulkan.so.1 / vulkan-1.dll) could not be loaded: {e.Message} " +
                VulkanUnavailableException.InstallHint, e);
        }
    }

    public static void Check(Result result, string what)
    {
        if (result != Result.Success)
            throw new Core.Errors.BackendException($"Vulkan call {what} failed: {result}");
    }

    public static string FormatVersion(uint v) => $"{v >> 22}.{(v >> 12) & 0x3ff}.{v & 0xfff}";
}
