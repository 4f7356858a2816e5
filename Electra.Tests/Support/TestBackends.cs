using Electra.Core.Backend;
using Electra.Cpu;
using Electra.Tests.Vulkan;
using Electra.Vulkan;

namespace Electra.Tests.Support;

/// <summary>The backends every model-level test runs on. A backend that cannot start here is skipped by name.</summary>
public static class TestBackends
{
    public static IEnumerable<string> Names =>
        VulkanAvailability.SkipReason == null ? ["cpu", "vulkan"] : ["cpu"];

    public static IBackend Create(string name) => name switch
    {
        "cpu" => new CpuBackend(),
        // Tests run Vulkan under the Khronos validation layer; AssertClean fails on any message it reported.
        "vulkan" => VulkanBackend.Create(new VulkanOptions { EnableValidation = true, PipelineCacheDirectory = Electra.Tests.Vulkan.VulkanFixture.TestCacheDirectory }),
        // Scalar double-precision loops: the reference the kernels are tested against, itself tested on the fixtures.
        "reference" => new Reference.ReferenceBackend(),
        _ => throw new ArgumentException($"unknown test backend '{name}'"),
    };

    /// <summary>Fails when the backend reported validation warnings or errors (Vulkan); a no-op for the CPU.</summary>
    public static void AssertClean(IBackend backend)
    {
        if (backend is VulkanBackend vulkan)
            Assert.Empty(vulkan.ValidationMessages);
    }
}
