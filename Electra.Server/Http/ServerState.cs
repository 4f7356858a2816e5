namespace Electra.Server.Http;

/// <summary>Whether the server still takes requests, and how many it is answering (what a shutdown waits for).</summary>
internal sealed class ServerState
{
    private int _inFlight;
    private volatile bool _draining;
    private readonly object _idle = new();

    public bool Draining => _draining;
    public int InFlight => Volatile.Read(ref _inFlight);

    public void StartDraining() => _draining = true;

    public void Enter() => Interlocked.Increment(ref _inFlight);

    public void Leave()
    {
        if (Interlocked.Decrement(ref _inFlight) == 0)
            lock (_idle) Monitor.PulseAll(_idle);
    }

    /// <summary>Waits until no request is being answered, or <paramref name="timeout"/> passes.</summary>
    /// <returns>Whether every request was answered in time.</returns>
    public Task<bool> WaitIdleAsync(TimeSpan timeout) => Task.Run(() =>
    {
        var deadline = DateTime.UtcNow + timeout;
        lock (_idle)
        {
            while (InFlight > 0)
            {
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero) return false;
                Monitor.Wait(_idle, left < TimeSpan.FromMilliseconds(100) ? left : TimeSpan.FromMilliseconds(100));
            }
            return true;
        }
    });
}
