using Electra.Core.Backend;
using Electra.Core.Configuration;
using Electra.Models.Forward;
using Electra.Models.Loading;

namespace Electra.Models.Layers;

/// <summary>HF: ElectraSelfOutput: LayerNorm(dense(context) + input). Keys: {prefix}.dense.* [H, H], {prefix}.LayerNorm.*.</summary>
public sealed record ElectraSelfOutput(LinearWeight Dense, LayerNormWeights LayerNorm)
{
    internal static ElectraSelfOutput Load(WeightReader weights, string prefix, ElectraConfig config)
    {
        int h = config.HiddenSize;
        return new ElectraSelfOutput(weights.Linear(prefix + ".dense", h, h, LinearRole.EncoderLayer),
            LayerNormWeights.Load(weights, prefix + ".LayerNorm", h, config.LayerNormEps));
    }

    /// <returns>[.., H], owned by the caller; <paramref name="context"/> and <paramref name="input"/> stay the caller's.</returns>
    internal DeviceTensor Forward(IForwardPass pass, DeviceTensor context, DeviceTensor input)
    {
        // One operation: a backend may normalise each row while the dense layer's output is still in cache.
        return pass.LinearLayerNorm(context, Dense, input, LayerNorm.Weight, LayerNorm.Bias, LayerNorm.Eps);
    }
}
