using System.Diagnostics;
using System.Threading.Channels;
using Electra.Models.Pipelines;
using Electra.Server.Metrics;
using Microsoft.Extensions.Logging;

namespace Electra.Server.Batching;

/// <summary>
/// The model's one queue. Requests are tokenized on the threads that received them and enqueued as prepared rows; one
/// inference thread takes as many as fit in <c>MaxBatchTokens</c> real tokens (and <c>MaxBatchRequests</c>), runs
/// them through one forward pass, and hands each request its own outputs back. Admission is bounded: a request takes
/// one permit per input or is refused at once, so the queue never holds more than <c>MaxConcurrentRequests</c>
/// inputs. A request whose client has gone is dropped before it runs.
/// </summary>
internal sealed class InferenceQueue
{
    private readonly Channel<QueuedWork> _channel = Channel.CreateUnbounded<QueuedWork>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });
    private readonly ServerOptions _options;
    private readonly ServerMetrics _metrics;
    private readonly ILogger _log;
    private readonly Thread _thread;
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _permits;
    private int _queued;

    public InferenceQueue(ServerOptions options, ServerMetrics metrics, ILogger log)
    {
        _options = options;
        _metrics = metrics;
        _log = log;
        _thread = new Thread(Loop) { IsBackground = true, Name = "electra-inference" };
        _thread.Start();
    }

    /// <summary>Tests hold the inference thread here (before each batch) to line requests up deterministically.</summary>
    internal ManualResetEventSlim Gate { get; } = new(initialState: true);

    /// <summary>Inputs admitted and not yet answered.</summary>
    public int PermitsInUse => Volatile.Read(ref _permits);

    /// <summary>Requests waiting for the inference thread.</summary>
    public int QueueSize => Volatile.Read(ref _queued);

    /// <summary>Completes when the inference thread has finished every queued request after <see cref="Complete"/>.</summary>
    public Task Stopped => _stopped.Task;

    /// <summary>Takes <paramref name="count"/> permits, or none when that would pass the limit.</summary>
    public bool TryAdmit(int count)
    {
        count = Math.Max(count, 1);
        while (true)
        {
            int used = Volatile.Read(ref _permits);
            if (used + count > _options.MaxConcurrentRequests && used > 0) return false;
            // One request larger than the whole limit still runs when nothing else does (it was allowed by the batch size check).
            if (Interlocked.CompareExchange(ref _permits, used + count, used) == used) return true;
        }
    }

    public void Release(int count) => Interlocked.Add(ref _permits, -Math.Max(count, 1));

    /// <summary>Queues admitted work; the task completes when its rows have run.</summary>
    /// <exception cref="ChannelClosedException">the queue is closed (the server is stopping).</exception>
    public Task Enqueue(QueuedWork item)
    {
        Interlocked.Increment(ref _queued);
        if (!_channel.Writer.TryWrite(item))
        {
            Interlocked.Decrement(ref _queued);
            throw new ChannelClosedException();
        }
        _metrics.QueueSize(QueueSize);
        // A client that leaves while queued is answered at once; the inference thread drops the work when it reaches it.
        item.Aborted.Register(static state => ((QueuedWork)state!).Done.TrySetCanceled(), item);
        return item.Done.Task;
    }

    /// <summary>No more work is accepted; what is queued still runs.</summary>
    public void Complete() => _channel.Writer.TryComplete();

    private void Loop()
    {
        var reader = _channel.Reader;
        QueuedWork? carried = null;
        try
        {
            while (true)
            {
                if (carried is null)
                {
                    if (!reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult()) break;
                }
                Gate.Wait();
                var batch = new List<QueuedWork>();
                int tokens = 0;
                int maxRequests = _options.MaxBatchRequests ?? int.MaxValue;
                while (batch.Count < maxRequests)
                {
                    QueuedWork? next = carried;
                    carried = null;
                    if (next is null && !reader.TryRead(out next)) break;
                    Interlocked.Decrement(ref _queued);
                    if (next.IsAbandoned)
                    {
                        Drop(next);
                        continue;
                    }
                    if (batch.Count > 0 && tokens + next.Work.TokenCount > _options.MaxBatchTokens)
                    {
                        Interlocked.Increment(ref _queued);   // still waiting: it opens the next batch
                        carried = next;
                        break;
                    }
                    batch.Add(next);
                    tokens += next.Work.TokenCount;
                }
                _metrics.QueueSize(QueueSize);
                if (batch.Count > 0) Run(batch, tokens);
            }
        }
        finally
        {
            _stopped.TrySetResult();
        }
    }

    private void Drop(QueuedWork item)
    {
        item.Done.TrySetCanceled();
        Release(item.Permits);
        _metrics.Dropped();
        _log.LogDebug("dropped a queued request: its client disconnected");
    }

    private void Run(List<QueuedWork> batch, int tokens)
    {
        long start = Stopwatch.GetTimestamp();
        foreach (var item in batch) item.QueueTime = Stopwatch.GetElapsedTime(item.EnqueuedAt, start);
        try
        {
            var works = batch.Select(b => b.Work).ToArray();
            int longest = works.Max(w => w.LongestRow);
            // Everything in one forward pass when the batch is within the token budget; a request that alone is
            // larger runs in passes of at most budget / longest-row rows.
            int? rowsPerPass = tokens <= _options.MaxBatchTokens || longest == 0 ? null : Math.Max(1, _options.MaxBatchTokens / longest);
            PipelineWork.ExecuteTogether(works, rowsPerPass);
            var elapsed = Stopwatch.GetElapsedTime(start);
            _metrics.Batch(batch.Count, tokens, elapsed);
            foreach (var item in batch)
            {
                item.InferenceTime = elapsed;
                _metrics.QueueTime(item.QueueTime);
                item.Done.TrySetResult();
            }
        }
        catch (Exception ex)
        {
            _log.LogError(ex, "a forward pass of {Requests} requests ({Tokens} tokens) failed", batch.Count, tokens);
            foreach (var item in batch) item.Done.TrySetException(ex);
        }
        finally
        {
            foreach (var item in batch) Release(item.Permits);
        }
    }
}
