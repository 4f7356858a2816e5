using Electra.Vulkan;
using Electra.Vulkan.Interop;
using Electra.Vulkan.Kernels;

namespace Electra.Tests.Vulkan;

/// <summary>The on-disk VkPipelineCache: reused when it is this driver's, ignored with a warning otherwise.</summary>
public sealed class PipelineCacheTests
{
    private static readonly PipelineCacheKey Key = new(0x10005, 0x0, 1, Guid.Parse("76616c2d-2573-0000-0000-000000000001"));

    private static byte[] Header(uint size, uint version, uint vendor, uint device, Guid uuid)
    {
        var data = new byte[48];
        BitConverter.TryWriteBytes(data.AsSpan(0), size);
        BitConverter.TryWriteBytes(data.AsSpan(4), version);
        BitConverter.TryWriteBytes(data.AsSpan(8), vendor);
        BitConverter.TryWriteBytes(data.AsSpan(12), device);
        uuid.TryWriteBytes(data.AsSpan(16));
        return data;
    }

    [Fact]
    public void Only_a_header_naming_this_device_and_driver_is_accepted()
    {
        Assert.Null(PipelineCacheFile.Reject(Header(32, 1, Key.VendorId, Key.DeviceId, Key.Uuid), Key));
        Assert.Contains("shorter", PipelineCacheFile.Reject(new byte[10], Key));
        Assert.Contains("corrupt", PipelineCacheFile.Reject(Header(32, 7, Key.VendorId, Key.DeviceId, Key.Uuid), Key));
        Assert.Contains("corrupt", PipelineCacheFile.Reject(Header(4000, 1, Key.VendorId, Key.DeviceId, Key.Uuid), Key));
        Assert.Contains("another device", PipelineCacheFile.Reject(Header(32, 1, 0x10DE, Key.DeviceId, Key.Uuid), Key));
        Assert.Contains("another device", PipelineCacheFile.Reject(Header(32, 1, Key.VendorId, Key.DeviceId, Guid.NewGuid()), Key));
    }

    [Fact]
    public void The_file_name_carries_the_uuid_and_driver_version()
    {
        var path = PipelineCacheFile.PathFor("/tmp/x", Key)!;
        Assert.Contains(Key.Uuid.ToString("N"), path);
        Assert.EndsWith("-00000001.bin", path);
        Assert.Null(PipelineCacheFile.PathFor("", Key));
    }

    [VulkanFact]
    public void A_saved_cache_is_reused_and_a_corrupt_one_is_ignored_with_a_warning()
    {
        var directory = Directory.CreateTempSubdirectory("electra-pipeline-cache-").FullName;
        try
        {
            var options = new VulkanOptions { EnableValidation = true, PipelineCacheDirectory = directory };
            using (var first = VulkanBackend.Create(options)) Assert.Empty(first.Warnings);
            var file = Assert.Single(Directory.GetFiles(directory));
            Assert.True(new FileInfo(file).Length >= 32);   // lavapipe keeps only the header; GPU drivers add their binaries
            using (var second = VulkanBackend.Create(options))
            {
                Assert.Empty(second.Warnings);
                Assert.Empty(second.ValidationMessages);
            }

            File.WriteAllBytes(file, [1, 2, 3, 4, 5]);
            using (var third = VulkanBackend.Create(options))
            {
                Assert.Contains(third.Warnings, w => w.Contains("ignoring the Vulkan pipeline cache", StringComparison.Ordinal));
                Assert.Empty(third.ValidationMessages);
            }
            // The ignored file was replaced by a good one.
            Assert.Null(PipelineCacheFile.Reject(File.ReadAllBytes(file), PipelineCacheFileKey(options)));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static PipelineCacheKey PipelineCacheFileKey(VulkanOptions options)
    {
        using var backend = VulkanBackend.Create(options with { PipelineCacheDirectory = "" });
        return backend.Context.Caps.CacheKey;
    }
}
