using System.Globalization;
using System.Runtime.InteropServices;

namespace Electra.Cpu;

/// <summary>
/// Drops the resident pages of a weight read from a memory-mapped checkpoint once the backend holds its own
/// (prepacked) copy, so the weight is not counted twice in the process's memory. Only ranges that /proc/self/maps
/// shows as file-backed are touched: their clean pages are simply read back from the file if used again, whereas
/// MADV_DONTNEED on anonymous memory would zero data that someone else may still use.
/// </summary>
internal static unsafe partial class MappedPages
{
    const int MadvDontNeed = 4;
    const nint PageSize = 4096;

    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = false)]
    private static partial int Madvise(nint address, nuint length, int advice);

    /// <summary>Releases the whole pages inside <paramref name="data"/> when they belong to a file mapping (Linux only).</summary>
    public static void Release(ReadOnlyMemory<float> data)
    {
        if (!OperatingSystem.IsLinux() || data.IsEmpty || MemoryMarshal.TryGetArray(data, out _)) return;
        try
        {
            using var handle = data.Pin();
            nint start = (nint)handle.Pointer, end = start + (nint)data.Length * sizeof(float);
            nint first = (start + PageSize - 1) & ~(PageSize - 1), last = end & ~(PageSize - 1);
            if (last > first && IsFileBacked(first, last)) Madvise(first, (nuint)(last - first), MadvDontNeed);
        }
        catch (DllNotFoundException) { }
        catch (EntryPointNotFoundException) { }
        catch (IOException) { }
    }

    /// <summary>Whether [first, last) lies inside one mapping of /proc/self/maps with a non-zero inode (a file).</summary>
    static bool IsFileBacked(nint first, nint last)
    {
        foreach (var line in File.ReadLines("/proc/self/maps"))
        {
            // start-end perms offset dev inode [path]
            var parts = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 5) continue;
            int dash = parts[0].IndexOf('-');
            if (dash < 0) continue;
            long lo = long.Parse(parts[0].AsSpan(0, dash), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            long hi = long.Parse(parts[0].AsSpan(dash + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (first >= lo && first < hi) return last <= hi && parts[4] != "0";
        }
        return false;
    }
}
