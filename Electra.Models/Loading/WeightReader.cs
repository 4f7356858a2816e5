using Electra.Core.Backend;
using Electra.Models.Layers;

namespace Electra.Models.Loading;

/// <summary>
/// What a module's <c>Load</c> reads its weights through, by transformers' state-dict key and expected shape. Two
/// readers answer it: <see cref="CheckpointWeightReader"/> reads a checkpoint onto a backend, and
/// <see cref="StateDictRecorder"/> only writes the keys and shapes down. So the modules' <c>Load</c> functions are the
/// one list of weight paths: <see cref="StateDictLayout"/> is what they ask for, and cannot drift from it.
/// </summary>
internal abstract class WeightReader
{
    /// <summary>A weight tensor (embedding table, LayerNorm parameter) of <paramref name="shape"/>.</summary>
    public abstract DeviceTensor Weight(string key, params int[] shape);

    /// <summary>A linear layer: <c>{prefix}.weight</c> [out, in] and <c>{prefix}.bias</c> [out].</summary>
    public LinearWeight Linear(string prefix, int outFeatures, int inFeatures, LinearRole role = LinearRole.Other) =>
        Linear(prefix + ".weight", prefix + ".bias", outFeatures, inFeatures, role);

    /// <summary>A linear layer whose weight and bias have keys of their own (a weight tied to another module's).</summary>
    public abstract LinearWeight Linear(string weightKey, string biasKey, int outFeatures, int inFeatures,
        LinearRole role = LinearRole.Other);

    /// <summary>
    /// A tensor a checkpoint may hold that transformers does not use (a saved copy of a tied weight): checked and
    /// counted as used when present, and not part of the state-dict layout.
    /// </summary>
    public abstract void Ignore(string key, params int[] shape);

    /// <summary>An nn.LayerNorm: <c>{prefix}.weight</c> and <c>{prefix}.bias</c> of [size].</summary>
    public LayerNormWeights LayerNorm(string prefix, int size, double eps) =>
        new(Weight(prefix + ".weight", size), Weight(prefix + ".bias", size), (float)eps);
}
