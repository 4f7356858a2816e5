using Electra.Core.Backend;
using Electra.Core.Configuration;
using Electra.Models.Forward;
using Electra.Models.Loading;

namespace Electra.Models.Layers;

/// <summary>HF: ElectraOutput: LayerNorm(dense(intermediate) + input). Keys: {prefix}.dense.* [H, I], {prefix}.LayerNorm.*.</summary>
public sealed record ElectraOutput(LinearWeight Dense, LayerNormWeights LayerNorm)
{
    internal static ElectraOutput Load(WeightReader weights, string prefix, ElectraConfig config)
    {
        int h = config.HiddenSize;
        return new ElectraOutput(weights.Linear(prefix + ".dense", h, config.IntermediateSize, LinearRole.EncoderLayer),
            LayerNormWeights.Load(weights, prefix + ".LayerNorm", h, config.LayerNormEps));
    }

    /// <summary>The feed-forward block: <paramref name="intermediate"/> then this output, fused.</summary>
    /// <returns>[.., H], owned by the caller; <paramref name="attended"/> stays the caller's.</returns>
    internal DeviceTensor Forward(IForwardPass pass, ElectraIntermediate intermediate, DeviceTensor attended)
    {
        // One operation: a backend may normalise each row while the down projection's output is still in cache.
        return pass.FeedForwardLayerNorm(attended, intermediate.Dense, intermediate.Activation, Dense, LayerNorm.Weight, LayerNorm.Bias,
            LayerNorm.Eps);
    }
}
