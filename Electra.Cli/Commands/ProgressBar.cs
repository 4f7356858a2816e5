using System.Diagnostics;

namespace Electra.Cli.Commands;

/// <summary>A one-line progress bar with rate and ETA, redrawn in place on a terminal's stderr.</summary>
public sealed class ProgressBar(TextWriter stderr, int total)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private double _lastDrawSeconds = double.NegativeInfinity;

    /// <summary>The bar for a file input, or null unless stderr is the process's terminal.</summary>
    public static ProgressBar? ForFile(TextWriter stderr, string? input) =>
        input is not null && input != "-" && ReferenceEquals(stderr, Console.Error) && !Console.IsErrorRedirected
            ? new ProgressBar(stderr, JsonLinesInput.CountLines(input))
            : null;

    public void Update(int done, bool force = false)
    {
        double now = _clock.Elapsed.TotalSeconds;
        if (!force && now - _lastDrawSeconds < 0.1) return;
        _lastDrawSeconds = now;
        stderr.Write("\r" + Line(done, total, now));
    }

    public void Finish(int done)
    {
        Update(done, force: true);
        stderr.WriteLine();
    }

    /// <summary>"[#####.....] 120/1000  35.2/s  ETA 0:25".</summary>
    public static string Line(int done, int total, double seconds)
    {
        const int width = 30;
        int filled = total > 0 ? (int)Math.Min(width, (long)done * width / total) : 0;
        double rate = seconds > 0 ? done / seconds : 0;
        string eta = rate > 0 && total >= done ? TimeSpan.FromSeconds(Math.Round((total - done) / rate)).ToString(@"h\:mm\:ss") : "?";
        return $"[{new string('#', filled)}{new string('.', width - filled)}] {done}/{total}  {rate:F1}/s  ETA {eta}";
    }
}
