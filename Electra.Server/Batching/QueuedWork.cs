using System.Diagnostics;
using Electra.Models.Pipelines;

namespace Electra.Server.Batching;

/// <summary>One request's prepared rows waiting for (or in) a forward pass, and the promise its handler awaits.</summary>
internal sealed class QueuedWork
{
    public QueuedWork(PipelineWork work, int permits, CancellationToken aborted)
    {
        Work = work;
        Permits = permits;
        Aborted = aborted;
        EnqueuedAt = Stopwatch.GetTimestamp();
    }

    public PipelineWork Work { get; }

    /// <summary>Admission slots it holds until it leaves the queue (one per input of the request).</summary>
    public int Permits { get; }

    /// <summary>The client's connection: once it is gone the work is dropped instead of run.</summary>
    public CancellationToken Aborted { get; }

    public long EnqueuedAt { get; }
    public TimeSpan QueueTime { get; set; }
    public TimeSpan InferenceTime { get; set; }

    /// <summary>Completes when the rows have run (or failed, or the client left).</summary>
    public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool IsAbandoned => Aborted.IsCancellationRequested || Done.Task.IsCompleted;
}
