using System.Collections.Immutable;

namespace Electra.Models.Loading;

/// <summary>What loading a checkpoint found besides the tensors it used (transformers warns about these).</summary>
/// <param name="UnusedKeys">Checkpoint tensors the chosen head does not use (e.g. a discriminator head loaded as ElectraModel).</param>
/// <param name="Prefix">The base-model prefix the checkpoint used: "electra." or "" for a bare ElectraModel.</param>
public sealed record LoadReport(ImmutableArray<string> UnusedKeys, string Prefix);
