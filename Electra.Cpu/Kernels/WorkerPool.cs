using System.Diagnostics;

namespace Electra.Cpu.Kernels;

/// <summary>
/// A small set of persistent worker threads that split a <see cref="TileJob"/> with the calling thread.
/// <para>
/// Tiles are claimed from one 64-bit word that holds the job's generation, its tile count and the next free tile,
/// so a claim is only ever granted for the job it was made against. That lets <see cref="Run"/> return as soon as
/// every tile is done: it never waits for a worker that is still waking up or asleep (with 2–4 cores, waiting for
/// a descheduled worker used to double the time of sub-millisecond operations).
/// </para>
/// <para>
/// Idle workers poll for a short while before they block, because a forward pass issues hundreds of
/// sub-millisecond operations back to back and waking a blocked thread costs tens of microseconds. The poll is a
/// plain load loop without <c>pause</c>: in a virtual machine a pause loop can make the hypervisor deschedule the
/// polling virtual CPU, which is exactly the latency the poll is there to avoid.
/// </para>
/// If another thread is already using the pool, the job runs on the caller alone (never waits, never deadlocks).
/// </summary>
public sealed class WorkerPool : IDisposable
{
    /// <summary>How long an idle worker keeps polling for new work before it blocks.</summary>
    static readonly long SpinTicks = Stopwatch.Frequency / 5000; // 200 µs

    const int TileBits = 20, GenerationShift = 2 * TileBits;
    const long TileMask = (1L << TileBits) - 1;
    /// <summary>The most tiles one <see cref="Run"/> may have (the claim word holds 20-bit tile indices).</summary>
    public const int MaxTiles = (1 << TileBits) - 1;

    readonly Thread[] _workers;
    readonly SemaphoreSlim[] _wake;
    readonly int[] _sleeping;
    readonly object _gate = new();
    // generation (24 bits) | tile count (20 bits) | next tile (20 bits)
    long _claims;
    long _generation;
    TileJob? _job;
    int _done;
    volatile bool _disposed;
    Exception? _failure;

    /// <param name="threads">total threads that run a job, the caller included (1 means no workers).</param>
    public WorkerPool(int threads)
    {
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), threads, "at least one thread");
        Threads = threads;
        _workers = new Thread[threads - 1];
        _wake = new SemaphoreSlim[threads - 1];
        _sleeping = new int[threads - 1];
        for (int i = 0; i < _workers.Length; i++)
        {
            _wake[i] = new SemaphoreSlim(0);
            int index = i;
            _workers[i] = new Thread(() => WorkerLoop(index)) { IsBackground = true, Name = $"electra-cpu-{i + 1}" };
            _workers[i].Start();
        }
    }

    /// <summary>Threads that share a job, the caller included.</summary>
    public int Threads { get; }

    /// <summary>Runs tiles 0..tileCount-1 of <paramref name="job"/> across the pool and returns when all are done.</summary>
    public void Run(TileJob job, int tileCount)
    {
        if (tileCount <= 0) return;
        if (_workers.Length == 0 || tileCount == 1 || tileCount > MaxTiles || !Monitor.TryEnter(_gate))
        {
            for (int t = 0; t < tileCount; t++) job.RunTile(t);
            return;
        }
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _job = job;
            _failure = null;
            _done = 0;
            long generation = (_generation + 1) & 0xFFFFFF;
            _generation = generation;
            // The release store publishes _job and _done together with the new claim word.
            Volatile.Write(ref _claims, (generation << GenerationShift) | ((long)tileCount << TileBits));
            for (int i = 0; i < _workers.Length; i++)
                if (Interlocked.Exchange(ref _sleeping[i], 0) == 1) _wake[i].Release();

            RunTiles(generation);
            // Only tiles that a worker has claimed are still running; a worker that has not claimed one never will.
            while (Volatile.Read(ref _done) != tileCount) { }
            _job = null;
            if (_failure is { } failure)
                throw new AggregateException("a CPU kernel tile failed", failure);
        }
        finally
        {
            Monitor.Exit(_gate);
        }
    }

    /// <summary>Claims and runs tiles of job <paramref name="generation"/> until none is left.</summary>
    void RunTiles(long generation)
    {
        long claims = Volatile.Read(ref _claims);
        while (true)
        {
            long next = claims & TileMask, count = (claims >> TileBits) & TileMask;
            if (claims >> GenerationShift != generation || next >= count) return;
            long seen = Interlocked.CompareExchange(ref _claims, claims + 1, claims);
            if (seen != claims)
            {
                claims = seen;
                continue;
            }
            // The job cannot change under a granted claim: Run waits for this tile before it publishes another.
            try { _job!.RunTile((int)next); }
            catch (Exception e) { Interlocked.CompareExchange(ref _failure, e, null); }
            Interlocked.Increment(ref _done);
            claims = Volatile.Read(ref _claims);
        }
    }

    void WorkerLoop(int index)
    {
        // Generation 0 is the pool's state at construction, so a worker that starts after Run has published the
        // first job still sees it as new.
        long seen = 0;
        while (true)
        {
            long start = Stopwatch.GetTimestamp();
            int polls = 0;
            while (Volatile.Read(ref _claims) >> GenerationShift == seen && !_disposed)
            {
                if (++polls % 256 != 0 || Stopwatch.GetTimestamp() - start <= SpinTicks) continue;
                Volatile.Write(ref _sleeping[index], 1);
                if (Volatile.Read(ref _claims) >> GenerationShift != seen || _disposed)
                {
                    // Work arrived while announcing sleep: if Run already claimed the flag it also released the
                    // semaphore, which must be consumed to stay balanced.
                    if (Interlocked.Exchange(ref _sleeping[index], 0) == 0) _wake[index].Wait();
                }
                else
                {
                    _wake[index].Wait();
                }
                break;
            }
            if (_disposed) return;
            seen = Volatile.Read(ref _claims) >> GenerationShift;
            RunTiles(seen);
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        lock (_gate)
        {
            _disposed = true;
            for (int i = 0; i < _wake.Length; i++) _wake[i].Release();
        }
        foreach (var w in _workers) w.Join();
        foreach (var s in _wake) s.Dispose();
    }
}
