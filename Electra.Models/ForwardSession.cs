using Electra.Core.Backend;
using Electra.Models.Forward;

namespace Electra.Models;

/// <summary>
/// Runs many forwards of one model without allocating per forward: it keeps one backend pass (on backends that can
/// release a pass's activations at once, such as the CPU backend), its input scratch and its output buffers between
/// calls. After a first forward of a given shape (the warm-up), a forward of the same shape, head outputs and
/// options allocates nothing on the CPU backend.
/// <para>
/// <b>The outputs are the session's own buffers</b>: the <see cref="SessionOutput"/> a forward returns (the very same
/// object every time) holds its values only until the next <see cref="Forward"/> or <see cref="Dispose"/>; copy what
/// must outlive that (<see cref="SessionOutput.ToModelOutput"/>). Use <see cref="ElectraPretrained.Forward(ModelInputs, ForwardOptions?, CancellationToken)"/> for
/// outputs to keep.
/// </para>
/// <para>
/// Not thread-safe: one thread at a time (a call that overlaps another throws). Hidden states, attentions and
/// losses are returned as by <see cref="ElectraPretrained.Forward(ModelInputs, ForwardOptions?, CancellationToken)"/> but are not free of allocation.
/// </para>
/// </summary>
/// <example><code>
/// using var session = model.CreateSession();
/// foreach (var batch in batches)
/// {
///     var logits = session.Forward(batch, ForwardOptions.RealTokensOnly).Logits!;
///     Consume(logits.Span); // before the next Forward
/// }
/// </code></example>
public sealed class ForwardSession : IDisposable
{
    private readonly ElectraPretrained _model;
    private readonly ForwardBuffers _buffers = new();
    private readonly ReusedOutputs _outputs = new();
    private SessionOutput? _result;
    private IForwardPass? _pass;
    private int _busy;
    private bool _disposed;

    internal ForwardSession(ElectraPretrained model) => _model = model;

    /// <summary>The model this session runs.</summary>
    public ElectraPretrained Model => _model;

    /// <summary>Runs the model as <see cref="ElectraPretrained.Forward(ModelInputs, ForwardOptions?, CancellationToken)"/> does, into this session's output buffers.</summary>
    /// <returns>Outputs valid until the next call on this session.</returns>
    /// <exception cref="Electra.Core.Errors.InputException">inputs are inconsistent with each other or the model.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="InvalidOperationException">another thread is running a forward on this session.</exception>
    public SessionOutput Forward(ModelInputs inputs, ForwardOptions? options = null, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Interlocked.Exchange(ref _busy, 1) != 0)
            throw new InvalidOperationException("a forward session runs one forward at a time; use one session per thread");
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            _pass ??= _model.Backend.BeginPass();
            var output = ModelForward.Run(_model, _pass, inputs, options ?? ForwardOptions.Default, _buffers, _outputs, cancellationToken);
            if (_result is null) _result = new SessionOutput(output);
            else _result.Update(output);
            return _result;
        }
        finally
        {
            // The outputs are on the host by now: the activations can go back to the backend's pool.
            if (_pass is not null && !_pass.TryReleaseAll())
            {
                _pass.Dispose();
                _pass = null;
            }
            Volatile.Write(ref _busy, 0);
        }
    }

    /// <summary>Ends the session's backend pass; its outputs are no longer valid.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _pass?.Dispose();
        _pass = null;
    }
}
