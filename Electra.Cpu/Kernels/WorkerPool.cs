using System.Diagnostics;

namespace Electra.Cpu.Kernels;

/// <summary>
/// A small set of persistent worker threads that split a <see cref="TileJob"/> with the calling thread.
/// Workers spin for a short while after each job before sleeping, because a forward pass issues hundreds of
/// sub-millisecond operations back to back and waking a sleeping thread costs tens of microseconds.
/// If another thread is already using the pool, the job runs on the caller alone (never waits, never deadlocks).
/// </summary>
public sealed class WorkerPool : IDisposable
{
    /// <summary>How long an idle worker keeps polling for new work before it blocks.</summary>
    static readonly long SpinTicks = Stopwatch.Frequency / 5000; // 200 µs

    readonly Thread[] _workers;
    readonly SemaphoreSlim[] _wake;
    readonly int[] _sleeping;
    readonly object _gate = new();
    TileJob? _job;
    int _tileCount;
    int _nextTile;
    int _busyWorkers;
    long _generation;
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
        if (_workers.Length == 0 || tileCount == 1 || !Monitor.TryEnter(_gate))
        {
            for (int t = 0; t < tileCount; t++) job.RunTile(t);
            return;
        }
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _job = job;
            _tileCount = tileCount;
            _failure = null;
            Volatile.Write(ref _nextTile, 0);
            Volatile.Write(ref _busyWorkers, _workers.Length);
            Interlocked.Increment(ref _generation);
            for (int i = 0; i < _workers.Length; i++)
                if (Interlocked.Exchange(ref _sleeping[i], 0) == 1) _wake[i].Release();

            RunTiles(job);

            var spin = new SpinWait();
            while (Volatile.Read(ref _busyWorkers) != 0) spin.SpinOnce(sleep1Threshold: -1);
            _job = null;
            if (_failure is { } failure)
                throw new AggregateException("a CPU kernel tile failed", failure);
        }
        finally
        {
            Monitor.Exit(_gate);
        }
    }

    void RunTiles(TileJob job)
    {
        int count = _tileCount;
        while (true)
        {
            int t = Interlocked.Increment(ref _nextTile) - 1;
            if (t >= count) return;
            job.RunTile(t);
        }
    }

    void WorkerLoop(int index)
    {
        // Generation 0 is the pool's state at construction. Reading _generation here instead would lose the first job
        // when the thread starts after Run has already published it: the worker would wait for the next generation
        // while Run waits for this worker forever.
        long seen = 0;
        while (true)
        {
            long start = Stopwatch.GetTimestamp();
            var spin = new SpinWait();
            while (Volatile.Read(ref _generation) == seen && !_disposed)
            {
                if (Stopwatch.GetTimestamp() - start > SpinTicks)
                {
                    Volatile.Write(ref _sleeping[index], 1);
                    if (Volatile.Read(ref _generation) != seen || _disposed)
                    {
                        // Work arrived while announcing sleep: if the caller already claimed the flag it also
                        // released the semaphore, which must be consumed to stay balanced.
                        if (Interlocked.Exchange(ref _sleeping[index], 0) == 0) _wake[index].Wait();
                    }
                    else
                    {
                        _wake[index].Wait();
                    }
                    break;
                }
                spin.SpinOnce(sleep1Threshold: -1);
            }
            if (_disposed) return;
            seen = Volatile.Read(ref _generation);
            var job = _job;
            if (job != null)
            {
                try { RunTiles(job); }
                catch (Exception e) { Interlocked.CompareExchange(ref _failure, e, null); }
            }
            Interlocked.Decrement(ref _busyWorkers);
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
