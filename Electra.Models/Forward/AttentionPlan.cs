using System.Collections.Immutable;
using Electra.Core.Backend;

namespace Electra.Models.Forward;

/// <summary>How every layer attends: over padded rows with a [Rows, S_keys] mask, or per segment of packed rows.</summary>
/// <param name="KeyMask">float 1/0 per key: [Rows, S_keys] padded, [T] packed.</param>
/// <param name="SegmentStarts">N + 1 offsets of the packed sequences; default for padded rows.</param>
/// <param name="Causal">Decoder attention (is_decoder): each position sees itself and the positions before it.</param>
/// <param name="ReturnProbabilities">Return each layer's attention probabilities (padded rows only).</param>
internal readonly record struct AttentionPlan(DeviceTensor KeyMask, ImmutableArray<int> SegmentStarts, bool Causal,
    bool ReturnProbabilities)
{
    public bool Packed => !SegmentStarts.IsDefault;
}
