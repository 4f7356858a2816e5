using System.Collections.Immutable;
using Electra.Core.Tensors;

namespace Electra.Models;

/// <summary>
/// The outputs of a forward pass under transformers' names: <c>logits</c> (or <c>start_logits</c>/<c>end_logits</c>,
/// <c>last_hidden_state</c>), <c>loss</c> [1] when labels were given, <c>hidden_states.i</c>, <c>attentions.i</c>.
/// </summary>
public sealed record ModelOutput(ImmutableSortedDictionary<string, HostTensor> Tensors, ImmutableSortedDictionary<int, string> Id2Label)
{
    public HostTensor this[string name] => Tensors.TryGetValue(name, out var t)
        ? t
        : throw new KeyNotFoundException($"no output named '{name}'; outputs are {string.Join(", ", Tensors.Keys)}");

    public HostTensor? Logits => Tensors.GetValueOrDefault("logits");
    public float? Loss => Tensors.TryGetValue("loss", out var l) ? l.Span[0] : null;
    public HostTensor? LastHiddenState => Tensors.GetValueOrDefault("last_hidden_state");

    public ImmutableArray<HostTensor> HiddenStates => Indexed("hidden_states.");
    public ImmutableArray<HostTensor> Attentions => Indexed("attentions.");

    private ImmutableArray<HostTensor> Indexed(string prefix) =>
        Tensors.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
            .OrderBy(kv => int.Parse(kv.Key.AsSpan(prefix.Length)))
            .Select(kv => kv.Value)
            .ToImmutableArray();
}
