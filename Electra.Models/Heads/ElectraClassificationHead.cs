using Electra.Core.Backend;
using Electra.Core.Configuration;
using Electra.Models.Forward;
using Electra.Models.Loading;

namespace Electra.Models.Heads;

/// <summary>
/// HF: ElectraClassificationHead: the first token's state → dense [H, H] → GELU → out_proj [N, H]. Keys:
/// {prefix}.dense.*, {prefix}.out_proj.*.
/// </summary>
public sealed record ElectraClassificationHead(LinearWeight Dense, LinearWeight OutProj)
{
    internal static ElectraClassificationHead Load(WeightReader weights, string prefix, ElectraConfig config) =>
        new(weights.Linear(prefix + ".dense", config.HiddenSize, config.HiddenSize),
            weights.Linear(prefix + ".out_proj", config.NumLabels, config.HiddenSize));

    /// <param name="pass">Owns every tensor made here.</param>
    /// <param name="firstTokens">[Rows, H], the state of each row's first token; stays the caller's.</param>
    /// <returns>[Rows, N] logits, owned by the caller.</returns>
    internal DeviceTensor Forward(IForwardPass pass, DeviceTensor firstTokens)
    {
        using var dense = pass.Scope(pass.Linear(firstTokens, Dense, Activation.Gelu));
        return pass.Linear(dense, OutProj);
    }
}
