using System.Collections.Immutable;
using Electra.Core.Backend;
using Electra.Core.Configuration;
using Electra.Models.Forward;
using Electra.Models.Loading;

namespace Electra.Models.Layers;

/// <summary>
/// HF: ElectraEncoder (eval mode, so dropout is the identity). Keys: {prefix}.layer.{i}.* for each of
/// <see cref="Layers"/>; <see cref="IsDecoder"/> (config is_decoder) makes every layer's attention causal.
/// </summary>
public sealed record ElectraEncoder(ImmutableArray<ElectraLayer> Layers, bool IsDecoder)
{
    internal static ElectraEncoder Load(WeightReader weights, string prefix, ElectraConfig config)
    {
        var layers = ImmutableArray.CreateBuilder<ElectraLayer>(config.NumHiddenLayers);
        for (int l = 0; l < config.NumHiddenLayers; l++)
            layers.Add(ElectraLayer.Load(weights, $"{prefix}.layer.{l}", config));
        return new ElectraEncoder(layers.MoveToImmutable(), config.IsDecoder);
    }

    /// <summary>The last hidden state, and the per-layer tensors that were asked for (empty otherwise), all the caller's.</summary>
    internal readonly record struct Result(DeviceTensor Last, ImmutableArray<DeviceTensor> Hidden, ImmutableArray<DeviceTensor> Attentions,
        ImmutableArray<LayerCache> Cache);

    /// <param name="pass">The pass every layer runs on; it owns every tensor made here.</param>
    /// <param name="input">The embeddings output [Rows, S, H]. The encoder owns it: released after layer 0 unless it is
    /// returned as hidden_states[0].</param>
    /// <param name="keyMask">float [Rows, S_past + S] of 1/0; stays the caller's.</param>
    /// <param name="options">Which per-layer tensors to return: hidden states [Rows, S, H] (the input first) and
    /// attention probabilities.</param>
    /// <param name="past">per-layer caches for incremental decoding (consumed), or default for none.</param>
    /// <param name="keepCache">Return every layer's keys and values [Rows, S_past + S, H] in <see cref="Result.Cache"/>.</param>
    /// <param name="cancellationToken">Checked before every layer.</param>
    internal Result Forward(IForwardPass pass, DeviceTensor input, DeviceTensor keyMask, ForwardOptions options,
        ImmutableArray<LayerCache> past, bool keepCache, CancellationToken cancellationToken = default)
    {
        // Builders only for what was asked for: the common forward returns the last state alone and allocates nothing here.
        var hidden = options.OutputHiddenStates ? ImmutableArray.CreateBuilder<DeviceTensor>(Layers.Length + 1) : null;
        var attentions = options.OutputAttentions ? ImmutableArray.CreateBuilder<DeviceTensor>(Layers.Length) : null;
        var cache = keepCache ? ImmutableArray.CreateBuilder<LayerCache>(Layers.Length) : null;
        var plan = new AttentionPlan(keyMask, default, IsDecoder, options.OutputAttentions);
        hidden?.Add(input);
        var x = input;
        for (int l = 0; l < Layers.Length; l++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var layerPast = past.IsDefaultOrEmpty ? null : past[l];
            DeviceTensor next;
            // Each layer's input dies with it, unless it is returned as a hidden state.
            using (hidden is null ? pass.Scope(x) : default)
            {
                (next, var probabilities, var layerCache) = Layers[l].Forward(pass, x, layerPast, keepCache, plan);
                attentions?.Add(probabilities!);
                if (layerCache is not null) cache!.Add(layerCache);
            }
            hidden?.Add(next);
            x = next;
        }
        return new Result(x, Built(hidden), Built(attentions), Built(cache));
    }

    /// <summary>
    /// The encoder over packed rows [T, H] of several sequences (unpadded execution): every linear and LayerNorm
    /// runs on the T rows, attention per segment (see <see cref="IForwardPass.AttentionSegments"/>).
    /// </summary>
    /// <param name="pass">The pass every layer runs on; it owns every tensor made here.</param>
    /// <param name="input">The packed embeddings output [T, H]; the encoder owns and releases it.</param>
    /// <param name="keyMask">float [T] of 1/0; stays the caller's.</param>
    /// <param name="segmentStarts">N + 1 ascending row offsets of the N sequences, the first 0 and the last T.</param>
    /// <param name="cancellationToken">Checked before every layer.</param>
    /// <returns>The last hidden state [T, H], owned by the caller.</returns>
    internal DeviceTensor ForwardPacked(IForwardPass pass, DeviceTensor input, DeviceTensor keyMask,
        ImmutableArray<int> segmentStarts, CancellationToken cancellationToken = default)
    {
        var plan = new AttentionPlan(keyMask, segmentStarts, IsDecoder, ReturnProbabilities: false);
        var x = input;
        foreach (var layer in Layers)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using (pass.Scope(x))
                x = layer.Forward(pass, x, null, keepCache: false, plan).Output;
        }
        return x;
    }

    private static ImmutableArray<T> Built<T>(ImmutableArray<T>.Builder? builder) =>
        builder is null ? ImmutableArray<T>.Empty : builder.ToImmutable();
}
