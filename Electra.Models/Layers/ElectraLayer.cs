using Electra.Core.Backend;
using Electra.Core.Configuration;
using Electra.Models.Forward;
using Electra.Models.Loading;

namespace Electra.Models.Layers;

/// <summary>HF: ElectraLayer. Keys: {prefix}.attention.*, {prefix}.intermediate.*, {prefix}.output.*.</summary>
public sealed record ElectraLayer(ElectraAttention Attention, ElectraIntermediate Intermediate, ElectraOutput Output)
{
    internal static ElectraLayer Load(WeightReader weights, string prefix, ElectraConfig config) =>
        new(ElectraAttention.Load(weights, prefix + ".attention", config), ElectraIntermediate.Load(weights, prefix + ".intermediate", config),
            ElectraOutput.Load(weights, prefix + ".output", config));

    /// <returns>The layer's output [.., H], the probabilities when asked for, the cache when kept: all the caller's;
    /// <paramref name="x"/> stays the caller's.</returns>
    internal (DeviceTensor Output, DeviceTensor? Probabilities, LayerCache? Cache) Forward(IForwardPass pass, DeviceTensor x,
        LayerCache? past, bool keepCache, in AttentionPlan plan)
    {
        var (attended, probabilities, cache) = Attention.Forward(pass, x, past, keepCache, plan);
        using (pass.Scope(attended))
            return (Output.Forward(pass, Intermediate, attended), probabilities, cache);
    }
}
