using System.Collections.Immutable;

namespace Electra.Models.Loading;

/// <summary>What loading a checkpoint found besides the tensors it used (transformers warns about these).</summary>
/// <param name="UnusedKeys">Checkpoint tensors the chosen head does not use (e.g. a discriminator head loaded as ElectraModel).</param>
/// <param name="Prefix">The base-model prefix the checkpoint used: "electra." or "" for a bare ElectraModel.</param>
public sealed record LoadReport(ImmutableArray<string> UnusedKeys, string Prefix)
{
    /// <summary>
    /// Tensors holding NaN or ±Inf, with how many such values each. Loading does not fail on them (transformers
    /// loads them too), but outputs will be NaN; callers that take checkpoints from strangers should check this.
    /// </summary>
    public ImmutableSortedDictionary<string, long> NonFiniteWeights { get; init; } = ImmutableSortedDictionary<string, long>.Empty;

    /// <summary>Float values in the checkpoint tensors the model uses (its weights, before any backend repacking).</summary>
    public long ParameterCount { get; init; }
}
