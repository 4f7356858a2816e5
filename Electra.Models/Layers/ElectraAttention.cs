using Electra.Core.Backend;
using Electra.Core.Configuration;
using Electra.Models.Forward;
using Electra.Models.Loading;

namespace Electra.Models.Layers;

/// <summary>HF: ElectraAttention: self-attention then its output block. Keys: {prefix}.self.*, {prefix}.output.*.</summary>
public sealed record ElectraAttention(ElectraSelfAttention Self, ElectraSelfOutput Output)
{
    internal static ElectraAttention Load(WeightReader weights, string prefix, ElectraConfig config) =>
        new(ElectraSelfAttention.Load(weights, prefix + ".self", config), ElectraSelfOutput.Load(weights, prefix + ".output", config));

    /// <returns>The attended states [.., H], the probabilities when asked for, the cache when kept: all the caller's.</returns>
    internal (DeviceTensor Output, DeviceTensor? Probabilities, LayerCache? Cache) Forward(IForwardPass pass, DeviceTensor x,
        LayerCache? past, bool keepCache, in AttentionPlan plan)
    {
        var (context, probabilities, cache) = Self.Forward(pass, x, past, keepCache, plan);
        using (pass.Scope(context))
            return (Output.Forward(pass, context, x), probabilities, cache);
    }
}
