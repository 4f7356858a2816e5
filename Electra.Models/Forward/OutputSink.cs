using System.Collections.Immutable;
using Electra.Core.Tensors;

namespace Electra.Models.Forward;

/// <summary>
/// Where a forward writes its host outputs: it asks for a buffer per named output and fills it. A plain forward gets
/// new arrays (<see cref="FreshOutputs"/>); a session gets its own buffers back while the shapes repeat
/// (<see cref="ReusedOutputs"/>).
/// </summary>
internal abstract class OutputSink
{
    /// <summary>Forgets what an earlier forward took without finishing (one that failed or was cancelled).</summary>
    public abstract void Start();

    /// <summary>A buffer for output <paramref name="name"/> of <paramref name="shape"/>, to be filled completely.</summary>
    public abstract Span<float> Take(string name, ReadOnlySpan<int> shape);

    /// <summary>The outputs taken so far (losses read them).</summary>
    public abstract IReadOnlyDictionary<string, HostTensor> Taken { get; }

    /// <summary>The outputs of this forward; the sink starts over for the next one.</summary>
    public abstract ModelOutput Finish(ImmutableSortedDictionary<int, string> id2Label);
}

/// <summary>New arrays for every output: the caller owns the result for good.</summary>
internal sealed class FreshOutputs : OutputSink
{
    private readonly ImmutableSortedDictionary<string, HostTensor>.Builder _outputs =
        ImmutableSortedDictionary.CreateBuilder<string, HostTensor>(StringComparer.Ordinal);

    public override void Start() => _outputs.Clear();

    public override Span<float> Take(string name, ReadOnlySpan<int> shape)
    {
        var data = new float[TensorShape.ElementCount(shape)];
        _outputs[name] = new HostTensor(ImmutableArray.Create(shape), data);
        return data;
    }

    public override IReadOnlyDictionary<string, HostTensor> Taken => _outputs;

    public override ModelOutput Finish(ImmutableSortedDictionary<int, string> id2Label)
    {
        var result = new ModelOutput(_outputs.ToImmutable(), id2Label);
        _outputs.Clear();
        return result;
    }
}

/// <summary>
/// Buffers kept from one forward to the next: an output whose shape repeats is written into the same array, and when
/// every output repeats, <see cref="Finish"/> returns the same <see cref="ModelOutput"/> object as before, now holding
/// the new values. So a warmed-up session allocates nothing for its outputs; they are valid until its next forward.
/// Not thread-safe.
/// </summary>
internal sealed class ReusedOutputs : OutputSink
{
    private readonly Dictionary<string, HostTensor> _buffers = new(StringComparer.Ordinal);
    private readonly HashSet<string> _taken = new(StringComparer.Ordinal);
    private ModelOutput? _last;
    private bool _changed;

    public override void Start() => _taken.Clear();

    public override Span<float> Take(string name, ReadOnlySpan<int> shape)
    {
        if (!_buffers.TryGetValue(name, out var buffer) || !buffer.Shape.AsSpan().SequenceEqual(shape))
        {
            buffer = new HostTensor(ImmutableArray.Create(shape), new float[TensorShape.ElementCount(shape)]);
            _buffers[name] = buffer;
            _changed = true;
        }
        _taken.Add(name);
        // The sink made this array itself: writing through the read-only view is writing into its own buffer.
        return System.Runtime.InteropServices.MemoryMarshal.AsMemory(buffer.Data).Span;
    }

    public override IReadOnlyDictionary<string, HostTensor> Taken =>
        _buffers.Where(kv => _taken.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);

    public override ModelOutput Finish(ImmutableSortedDictionary<int, string> id2Label)
    {
        if (_changed || _last is null || _taken.Count != _buffers.Count || _last.Id2Label != id2Label)
        {
            foreach (var name in _buffers.Keys.Where(n => !_taken.Contains(n)).ToList()) _buffers.Remove(name);
            _last = new ModelOutput(_buffers.ToImmutableSortedDictionary(StringComparer.Ordinal), id2Label);
        }
        _changed = false;
        _taken.Clear();
        return _last;
    }
}
