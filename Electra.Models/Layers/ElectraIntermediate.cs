using Electra.Core.Backend;
using Electra.Core.Configuration;
using Electra.Models.Loading;

namespace Electra.Models.Layers;

/// <summary>
/// HF: ElectraIntermediate: hidden_act(dense(x)). Keys: {prefix}.dense.* [I, H]. It runs fused with
/// <see cref="ElectraOutput"/> (<c>IForwardPass.FeedForward</c>), so that the wide [.., I] activation never exists
/// for all rows at once.
/// </summary>
public sealed record ElectraIntermediate(LinearWeight Dense, Activation Activation)
{
    internal static ElectraIntermediate Load(WeightReader weights, string prefix, ElectraConfig config) =>
        new(weights.Linear(prefix + ".dense", config.IntermediateSize, config.HiddenSize, LinearRole.EncoderLayer),
            config.HiddenActivation);
}
