using System.Collections.Immutable;
using Electra.Core.Tensors;

namespace Electra.Models;

/// <summary>
/// The outputs of a <see cref="ForwardSession"/> forward, held in the session's own buffers: <b>overwritten by the
/// session's next forward</b> (and invalid after it is disposed). A session returns this same object from every forward;
/// read the values before the next one, or keep a copy with <see cref="ToModelOutput"/>. Not a value: it has no
/// structural equality, because its contents change under it.
/// </summary>
public sealed class SessionOutput
{
    private ModelOutput _current;

    internal SessionOutput(ModelOutput current) => _current = current;

    /// <summary>Points this object at the outputs of the forward that just ran.</summary>
    internal void Update(ModelOutput current) => _current = current;

    /// <summary>Every output under transformers' names (see <see cref="ModelOutput"/>), in the session's buffers.</summary>
    public ImmutableSortedDictionary<string, HostTensor> Tensors => _current.Tensors;

    public ImmutableSortedDictionary<int, string> Id2Label => _current.Id2Label;

    public HostTensor this[string name] => _current[name];

    public HostTensor? Logits => _current.Logits;
    public float? Loss => _current.Loss;
    public HostTensor? LastHiddenState => _current.LastHiddenState;
    public ImmutableArray<HostTensor> HiddenStates => _current.HiddenStates;
    public ImmutableArray<HostTensor> Attentions => _current.Attentions;

    /// <summary>A copy of every output in new arrays, which later forwards leave alone.</summary>
    public ModelOutput ToModelOutput() =>
        new(_current.Tensors.ToImmutableSortedDictionary(kv => kv.Key, kv => new HostTensor(kv.Value.Shape, kv.Value.ToArray()),
            StringComparer.Ordinal), _current.Id2Label);
}
