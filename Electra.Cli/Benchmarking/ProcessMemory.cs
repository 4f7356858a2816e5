namespace Electra.Cli.Benchmarking;

/// <summary>Resident memory of this process, from /proc/self/status where the OS has it.</summary>
public static class ProcessMemory
{
    /// <summary>Peak resident set size (VmHWM) in MiB, or the peak working set where /proc is missing.</summary>
    public static double PeakRssMb() =>
        StatusKiB("VmHWM:") is { } kib ? kib / 1024.0 : FromProcess(p => p.PeakWorkingSet64);

    /// <summary>Resident set size now (VmRSS) in MiB, or the working set where /proc is missing.</summary>
    public static double CurrentRssMb() =>
        StatusKiB("VmRSS:") is { } kib ? kib / 1024.0 : FromProcess(p => p.WorkingSet64);

    static double FromProcess(Func<System.Diagnostics.Process, long> bytes)
    {
        using var p = System.Diagnostics.Process.GetCurrentProcess();
        return bytes(p) / (1024.0 * 1024.0);
    }

    static long? StatusKiB(string field)
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith(field, StringComparison.Ordinal))
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return null;
    }
}
