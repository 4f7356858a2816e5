using Electra.Core.Errors;

namespace Electra.Vulkan;

/// <summary>
/// Vulkan cannot be used on this machine: no loader library, no driver (ICD), or no device matching the request.
/// The message says what to install or change. Callers may fall back to the CPU backend on this exception.
/// </summary>
public sealed class VulkanUnavailableException : BackendException
{
    public VulkanUnavailableException(string message) : base(message) { }
    public VulkanUnavailableException(string message, Exception inner) : base(message, inner) { }

    internal const string InstallHint =
        "Install a Vulkan loader and driver: on Debian/Ubuntu `apt-get install libvulkan1 mesa-vulkan-drivers` " +
        "(Mesa covers AMD, Intel and the CPU fallback lavapipe); NVIDIA and AMD's proprietary drivers ship their own; " +
        "on Windows the GPU vendor's driver installs vulkan-1.dll. Or use --backend cpu.";
}
