using Electra.Vulkan;
using FsCheck.Xunit;

namespace Electra.Tests.Vulkan;

/// <summary>Whether this machine can run Vulkan at all; tests skip (not fail) only when it cannot.</summary>
internal static class VulkanAvailability
{
    private static readonly Lazy<string?> Reason = new(() =>
    {
        try
        {
            using var backend = VulkanBackend.Create();   // availability only; tests themselves insist on validation
            return null;
        }
        catch (VulkanUnavailableException e)
        {
            return "Vulkan unavailable: " + e.Message;
        }
    });

    public static string? SkipReason => Reason.Value;
}

/// <summary>A fact that is skipped when no Vulkan driver is installed.</summary>
public sealed class VulkanFactAttribute : FactAttribute
{
    public VulkanFactAttribute()
    {
        if (VulkanAvailability.SkipReason is string reason) Skip = reason;
    }
}

/// <summary>An FsCheck property that is skipped when no Vulkan driver is installed.</summary>
public sealed class VulkanPropertyAttribute : PropertyAttribute
{
    public VulkanPropertyAttribute()
    {
        if (VulkanAvailability.SkipReason is string reason) Skip = reason;
    }
}

/// <summary>
/// One validated Vulkan backend shared by every Vulkan test class (lavapipe has a single queue, and device creation
/// is the slow part). Disposing it asserts that the validation layer stayed silent, leaks included.
/// </summary>
public sealed class VulkanFixture : IDisposable
{
    private VulkanBackend? _backend;
    private VulkanBackend? _float16;

    public VulkanBackend Backend => _backend ??= VulkanBackend.Create(new VulkanOptions { EnableValidation = true, PipelineCacheDirectory = TestCacheDirectory });

    /// <summary>A second validated backend that stores linear weights as float16 (where the device has 16-bit storage).</summary>
    public VulkanBackend Float16Backend => _float16 ??= VulkanBackend.Create(new VulkanOptions
        { EnableValidation = true, UseFloat16Weights = true, PipelineCacheDirectory = TestCacheDirectory });

    /// <summary>Tests keep their pipeline cache out of the user's cache directory.</summary>
    public static string TestCacheDirectory { get; } = Path.Combine(Path.GetTempPath(), "electra-tests-vulkan-cache");

    public void AssertNoValidationMessages()
    {
        if (_backend == null) return;
        Assert.True(_backend.ValidationEnabled, "the validation layer should be active in tests");
        Assert.Empty(_backend.ValidationMessages);
    }

    public void Dispose()
    {
        _float16?.Dispose();
        if (_float16 != null) Assert.Empty(_float16.ValidationMessages);
        if (_backend == null) return;
        _backend.Dispose();
        Assert.Empty(_backend.ValidationMessages);
    }
}

[CollectionDefinition("Vulkan")]
public sealed class VulkanCollection : ICollectionFixture<VulkanFixture>
{
}
