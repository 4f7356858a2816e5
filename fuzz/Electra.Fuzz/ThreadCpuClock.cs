using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Electra.Fuzz;

/// <summary>
/// CPU time of the calling thread (Linux: clock_gettime(CLOCK_THREAD_CPUTIME_ID)), so that an input's cost does not
/// include the time the thread waited for a core on a busy machine; elsewhere, wall-clock time.
/// </summary>
public static partial class ThreadCpuClock
{
    private const int ClockThreadCpuTimeId = 3;

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    private static readonly bool Available = OperatingSystem.IsLinux() && Probe();

    private static bool Probe()
    {
        try { return ClockGetTime(ClockThreadCpuTimeId, out _) == 0; }
        catch (DllNotFoundException) { return false; }
        catch (EntryPointNotFoundException) { return false; }
    }

    /// <summary>Milliseconds on an arbitrary origin; only differences on one thread mean anything.</summary>
    public static double NowMs()
    {
        if (Available && ClockGetTime(ClockThreadCpuTimeId, out var t) == 0) return t.Seconds * 1e3 + t.Nanoseconds / 1e6;
        return Stopwatch.GetTimestamp() * 1e3 / Stopwatch.Frequency;
    }
}
