using System.Buffers.Binary;
using Electra.Vulkan.Interop;

namespace Electra.Vulkan.Kernels;

/// <summary>
/// Where a device's VkPipelineCache lives on disk and whether a file's contents belong to it. The file name carries
/// the device's pipelineCacheUUID and driver version, and the data's own header (VkPipelineCacheHeaderVersionOne:
/// size, version, vendor, device, UUID) is checked again before the driver sees it: a cache from another driver,
/// a truncated or a corrupt file is ignored with a warning, never passed on.
/// </summary>
internal static class PipelineCacheFile
{
    private const int HeaderBytes = 32;

    /// <summary>The cache file for <paramref name="key"/> under <paramref name="directory"/> (null: the user's cache directory; empty: none).</summary>
    public static string? PathFor(string? directory, PipelineCacheKey key)
    {
        directory ??= DefaultDirectory();
        if (string.IsNullOrEmpty(directory)) return null;
        return Path.Combine(directory, $"pipelines-{key.Uuid:N}-{key.DriverVersion:x8}.bin");
    }

    private static string? DefaultDirectory()
    {
        string? root = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (string.IsNullOrEmpty(root))
        {
            if (OperatingSystem.IsWindows()) root = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
            else
            {
                string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
                if (string.IsNullOrEmpty(home)) return null;
                root = OperatingSystem.IsMacOS() ? Path.Combine(home, "Library", "Caches") : Path.Combine(home, ".cache");
            }
        }
        return string.IsNullOrEmpty(root) ? null : Path.Combine(root, "electra", "vulkan");
    }

    /// <summary>Null when <paramref name="data"/> is a cache of this device's driver, otherwise why it is not.</summary>
    public static string? Reject(ReadOnlySpan<byte> data, PipelineCacheKey key)
    {
        if (data.Length < HeaderBytes) return $"{data.Length} bytes is shorter than a pipeline cache header";
        uint headerSize = BinaryPrimitives.ReadUInt32LittleEndian(data);
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
        uint vendor = BinaryPrimitives.ReadUInt32LittleEndian(data[8..]);
        uint device = BinaryPrimitives.ReadUInt32LittleEndian(data[12..]);
        var uuid = new Guid(data.Slice(16, 16));
        if (headerSize < HeaderBytes || headerSize > data.Length || version != 1) return "the header is corrupt";
        if (vendor != key.VendorId || device != key.DeviceId || uuid != key.Uuid)
            return $"it belongs to another device or driver (vendor 0x{vendor:x}, device 0x{device:x}, UUID {uuid})";
        return null;
    }

    /// <summary>The file's contents when they belong to <paramref name="key"/>; null (with a warning when a file was there) otherwise.</summary>
    public static byte[]? Load(string? path, PipelineCacheKey key, ICollection<string> warnings)
    {
        if (path is null || !File.Exists(path)) return null;
        try
        {
            var data = File.ReadAllBytes(path);
            if (Reject(data, key) is string why)
            {
                warnings.Add($"ignoring the Vulkan pipeline cache {path}: {why}");
                return null;
            }
            return data;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            warnings.Add($"ignoring the Vulkan pipeline cache {path}: {e.Message}");
            return null;
        }
    }

    /// <summary>Writes the cache atomically (a temporary file renamed over the old one); failures only warn.</summary>
    public static void Save(string? path, ReadOnlySpan<byte> data, ICollection<string> warnings)
    {
        if (path is null || data.Length < HeaderBytes) return;
        string temporary = $"{path}.{Environment.ProcessId}.tmp";
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(temporary, data.ToArray());
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            warnings.Add($"could not save the Vulkan pipeline cache {path}: {e.Message}");
            try { File.Delete(temporary); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
