using System.Diagnostics;
using Electra.Hub;

namespace Electra.Cli.Commands;

/// <summary>
/// One progress bar per downloaded file on a terminal's stderr ("model.safetensors [#####.....] 12.0/54.1 MB  8.3 MB/s"),
/// redrawn in place at most ten times a second and ended with a newline when the file is in the cache. Files already
/// cached draw nothing. Reports arrive on the downloading thread, one file at a time.
/// </summary>
public sealed class DownloadProgressBars(TextWriter stderr) : IProgress<HubDownloadProgress>
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private string? _file;
    private double _fileStart, _lastDraw = double.NegativeInfinity;
    private long _startBytes;

    /// <summary>Bars when stderr is the process's terminal, else null (nothing is drawn into files or pipes).</summary>
    public static DownloadProgressBars? ForTerminal(TextWriter stderr) =>
        ReferenceEquals(stderr, Console.Error) && !Console.IsErrorRedirected ? new DownloadProgressBars(stderr) : null;

    public void Report(HubDownloadProgress value)
    {
        if (value.Stage == HubDownloadStage.Cached) return;
        double now = _clock.Elapsed.TotalSeconds;
        if (value.FileName != _file)
        {
            _file = value.FileName;
            _fileStart = now;
            _startBytes = value.BytesDone;
        }
        bool last = value.Stage == HubDownloadStage.Completed;
        if (!last && value.Stage == HubDownloadStage.Downloading && now - _lastDraw < 0.1) return;
        _lastDraw = now;
        double rate = now > _fileStart ? (value.BytesDone - _startBytes) / (now - _fileStart) : 0;
        stderr.Write("\r" + Line(value, rate));
        if (last)
        {
            stderr.WriteLine();
            _file = null;
        }
    }

    /// <summary>The bar's text for one report; <paramref name="bytesPerSecond"/> is this run's rate for the file.</summary>
    public static string Line(HubDownloadProgress p, double bytesPerSecond)
    {
        const int width = 24;
        string name = p.FileName.Length > 32 ? "…" + p.FileName[^31..] : p.FileName;
        long total = p.TotalBytes ?? 0;
        int filled = total > 0 ? (int)Math.Min(width, p.BytesDone * width / total) : 0;
        string state = p.Stage switch
        {
            HubDownloadStage.WaitingForLock => "  waiting for another download of this file",
            HubDownloadStage.Resuming => $"  resuming at {Size(p.BytesDone)}",
            HubDownloadStage.Verifying => "  checking sha256",
            _ => bytesPerSecond > 0 ? $"  {Size((long)bytesPerSecond)}/s" : "",
        };
        return $"{name,-32} [{new string('#', filled)}{new string('.', width - filled)}] {Size(p.BytesDone)}/{Size(total)}{state}";
    }

    private static string Size(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):F2} GB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):F1} MB",
        >= 1L << 10 => $"{bytes / (double)(1L << 10):F1} kB",
        _ => $"{bytes} B",
    };
}
