using Electra.Core.Backend;
using Electra.Core.Configuration;
using Electra.Models.Forward;
using Electra.Models.Loading;

namespace Electra.Models.Heads;

/// <summary>
/// HF: ElectraDiscriminatorPredictions: dense [H, H] → hidden_act → dense_prediction [1, H], one replaced-token logit per
/// position. Keys: {prefix}.dense.*, {prefix}.dense_prediction.*.
/// </summary>
public sealed record ElectraDiscriminatorPredictions(LinearWeight Dense, Activation Activation, LinearWeight DensePrediction)
{
    internal static ElectraDiscriminatorPredictions Load(WeightReader weights, string prefix, ElectraConfig config)
    {
        int h = config.HiddenSize;
        return new(weights.Linear(prefix + ".dense", h, h), config.HiddenActivation, weights.Linear(prefix + ".dense_prediction", 1, h));
    }

    /// <returns>[.., 1], owned by the caller; <paramref name="hidden"/> stays the caller's.</returns>
    internal DeviceTensor Forward(IForwardPass pass, DeviceTensor hidden)
    {
        using var dense = pass.Scope(pass.Linear(hidden, Dense, Activation));
        return pass.Linear(dense, DensePrediction);
    }
}
