using Electra.Core.Backend;
using Electra.Core.Configuration;
using Electra.Models.Forward;
using Electra.Models.Layers;
using Electra.Models.Loading;

namespace Electra.Models.Heads;

/// <summary>
/// HF: ElectraGeneratorPredictions: dense [E, H] → GELU → LayerNorm(E). Keys: {prefix}.dense.*, {prefix}.LayerNorm.*.
/// </summary>
public sealed record ElectraGeneratorPredictions(LinearWeight Dense, LayerNormWeights LayerNorm)
{
    internal static ElectraGeneratorPredictions Load(WeightReader weights, string prefix, ElectraConfig config) =>
        new(weights.Linear(prefix + ".dense", config.EmbeddingSize, config.HiddenSize),
            LayerNormWeights.Load(weights, prefix + ".LayerNorm", config.EmbeddingSize, config.LayerNormEps));

    /// <returns>[.., E], owned by the caller; <paramref name="hidden"/> stays the caller's.</returns>
    internal DeviceTensor Forward(IForwardPass pass, DeviceTensor hidden)
    {
        using var dense = pass.Scope(pass.Linear(hidden, Dense, Activation.Gelu));
        return LayerNorm.Forward(pass, dense, null);
    }
}
