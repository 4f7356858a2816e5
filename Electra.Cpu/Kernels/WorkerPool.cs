using System.Diagnostics;

namespace Electra.Cpu.Kernels;

/// <summary>
/// A small set of persistent worker threads that split a <see cref="TileJob"/> with the calling thread.
/// <para>
/// Each thread owns a contiguous chunk of a job's tiles and claims them from its own 64-bit word, which holds the
/// job's generation, the chunk's end and its next free tile, so a claim is only ever granted for the job it was
/// made against; threads that finish their chunk claim from the others' words. That lets <see cref="Run"/> return as soon as
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
    /// <summary>The most tiles one <see cref="Run"/> may have (the claim words hold 20-bit tile indices).</summary>
    public const int MaxTiles = (1 << TileBits) - 1;
    // One claim word per thread, each on its own cache line.
    const int WordStride = 16;

    readonly Thread[] _workers;
    readonly SemaphoreSlim[] _wake;
    readonly int[] _sleeping;
    readonly object _gate = new();
    // Per thread: generation (24 bits) | end of its chunk (20 bits) | next tile of its chunk (20 bits).
    readonly long[] _claims;
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
        _claims = new long[threads * WordStride];
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

    /// <summary>
    /// Runs tiles 0..tileCount-1 of <paramref name="job"/> across the pool and returns when all are done.
    /// Thread i (the caller is thread 0) first runs the i-th contiguous chunk of tiles, then helps with the others,
    /// so consecutive jobs with the same tiling keep each chunk's data in the same core's cache.
    /// </summary>
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
            int threads = Threads;
            // Workers first (the caller's own chunk is published last, right before it starts on it).
            for (int i = threads - 1; i >= 0; i--)
            {
                long start = (long)tileCount * i / threads, end = (long)tileCount * (i + 1) / threads;
                // The release store publishes _job and _done together with the claim word.
                Volatile.Write(ref _claims[i * WordStride], (generation << GenerationShift) | (end << TileBits) | start);
            }
            for (int i = 0; i < _workers.Length; i++)
                if (Interlocked.Exchange(ref _sleeping[i], 0) == 1) _wake[i].Release();

            RunTiles(0, generation);
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

    /// <summary>Runs thread <paramref name="self"/>'s chunk of job <paramref name="generation"/>, then steals.</summary>
    void RunTiles(int self, long generation)
    {
        for (int i = 0; i < Threads; i++)
        {
            int word = (self + i) % Threads;
            while (TryClaim(word, generation) is var tile and >= 0)
            {
                // The job cannot change under a granted claim: Run waits for this tile before it publishes another.
                try { _job!.RunTile(tile); }
                catch (Exception e) { Interlocked.CompareExchange(ref _failure, e, null); }
                Interlocked.Increment(ref _done);
            }
        }
    }

    int TryClaim(int word, long generation)
    {
        ref long slot = ref _claims[word * WordStride];
        long claims = Volatile.Read(ref slot);
        while (true)
        {
            long next = claims & TileMask, end = (claims >> TileBits) & TileMask;
            if (claims >> GenerationShift != generation || next >= end) return -1;
            long seen = Interlocked.CompareExchange(ref slot, claims + 1, claims);
            if (seen == claims) return (int)next;
            claims = seen;
        }
    }

    void WorkerLoop(int index)
    {
        int self = index + 1;
        ref long own = ref _claims[self * WordStride];
        // Generation 0 is the pool's state at construction, so a worker that starts after Run has published the
        // first job still sees it as new.
        long seen = 0;
        while (true)
        {
            long start = Stopwatch.GetTimestamp();
            int polls = 0;
            while (Volatile.Read(ref own) >> GenerationShift == seen && !_disposed)
            {
                if (++polls % 256 != 0 || Stopwatch.GetTimestamp() - start <= SpinTicks) continue;
                Volatile.Write(ref _sleeping[index], 1);
                if (Volatile.Read(ref own) >> GenerationShift != seen || _disposed)
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
            seen = Volatile.Read(ref own) >> GenerationShift;
            RunTiles(self, seen);
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
