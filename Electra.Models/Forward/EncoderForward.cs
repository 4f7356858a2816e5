using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Electra.Core.Backend;
using Electra.Models.Layers;

namespace Electra.Models.Forward;

/// <summary>Cached keys and values of one decoder layer, [Rows, S_past, H] each.</summary>
public sealed record LayerCache(DeviceTensor Keys, DeviceTensor Values);

/// <summary>HF: ElectraEncoder / ElectraLayer.forward (eval mode, so dropout is the identity).</summary>
internal static class EncoderForward
{
    /// <summary>The last hidden state, and the per-layer tensors that were asked for (empty otherwise).</summary>
    public readonly record struct Result(DeviceTensor Last, ImmutableArray<DeviceTensor> Hidden, ImmutableArray<DeviceTensor> Attentions,
        ImmutableArray<LayerCache> Cache);

    /// <summary>How every layer attends: over padded rows with a [Rows, S_keys] mask, or per segment of packed rows.</summary>
    private readonly record struct AttentionPlan(DeviceTensor KeyMask, ImmutableArray<int> SegmentStarts, bool Causal,
        bool ReturnProbabilities)
    {
        public bool Packed => !SegmentStarts.IsDefault;
    }

    /// <param name="pass">The pass every layer runs on; it owns every tensor made here.</param>
    /// <param name="body">The embeddings and encoder layers; <c>IsDecoder</c> makes the attention causal.</param>
    /// <param name="input">The embeddings output [Rows, S, H]. The encoder owns it: released after layer 0 unless it is
    /// returned as hidden_states[0].</param>
    /// <param name="keyMask">float [Rows, S_past + S] of 1/0.</param>
    /// <param name="options">Which per-layer tensors to return: hidden states [Rows, S, H] (the input first) and
    /// attention probabilities.</param>
    /// <param name="past">per-layer caches for incremental decoding, or default for none.</param>
    /// <param name="keepCache">Return every layer's keys and values [Rows, S_past + S, H] in <see cref="Result.Cache"/>
    /// (the caller then owns them) instead of releasing them.</param>
    /// <param name="cancellationToken">Checked before every layer.</param>
    public static Result Run(IForwardPass pass, ElectraBody body, DeviceTensor input, DeviceTensor keyMask,
        ForwardOptions options, ImmutableArray<LayerCache> past, bool keepCache, CancellationToken cancellationToken = default)
    {
        // Builders only for what was asked for: the common forward returns the last state alone and allocates nothing here.
        var hidden = options.OutputHiddenStates ? ImmutableArray.CreateBuilder<DeviceTensor>(body.Layers.Length + 1) : null;
        var attentions = options.OutputAttentions ? ImmutableArray.CreateBuilder<DeviceTensor>(body.Layers.Length) : null;
        var cache = keepCache ? ImmutableArray.CreateBuilder<LayerCache>(body.Layers.Length) : null;
        var plan = new AttentionPlan(keyMask, default, body.IsDecoder, options.OutputAttentions);
        hidden?.Add(input);
        var x = input;
        for (int l = 0; l < body.Layers.Length; l++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var layerPast = past.IsDefaultOrEmpty ? null : past[l];
            var (next, probs, layerCache) = Layer(pass, body.Layers[l], x, layerPast, keepCache, plan);
            attentions?.Add(probs!);
            if (layerCache is not null) cache!.Add(layerCache);
            // The encoder owns its input: unless it is returned as hidden_states[0], the embeddings die with layer 0.
            if (hidden is not null) hidden.Add(next);
            else pass.Release(x);
            x = next;
        }
        return new Result(x, Built(hidden), Built(attentions), Built(cache));
    }

    /// <summary>
    /// The encoder over packed rows [T, H] of several sequences (unpadded execution): every linear and LayerNorm
    /// runs on the T rows, attention per segment (see <see cref="IForwardPass.AttentionSegments"/>).
    /// </summary>
    /// <param name="pass">The pass every layer runs on; it owns every tensor made here.</param>
    /// <param name="body">The embeddings and encoder layers; <c>IsDecoder</c> makes the attention causal.</param>
    /// <param name="input">The packed embeddings output [T, H]; the encoder owns and releases it.</param>
    /// <param name="keyMask">float [T] of 1/0.</param>
    /// <param name="segmentStarts">N + 1 ascending row offsets of the N sequences, the first 0 and the last T.</param>
    /// <param name="cancellationToken">Checked before every layer.</param>
    /// <returns>The last hidden state [T, H], owned by the caller.</returns>
    public static DeviceTensor RunPacked(IForwardPass pass, ElectraBody body, DeviceTensor input, DeviceTensor keyMask,
        ImmutableArray<int> segmentStarts, CancellationToken cancellationToken = default)
    {
        var plan = new AttentionPlan(keyMask, segmentStarts, body.IsDecoder, ReturnProbabilities: false);
        var x = input;
        foreach (var layer in body.Layers)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (next, _, _) = Layer(pass, layer, x, null, keepCache: false, plan);
            pass.Release(x);   // the input too: the encoder owns it
            x = next;
        }
        return x;
    }

    private static ImmutableArray<T> Built<T>(ImmutableArray<T>.Builder? builder) =>
        builder is null ? ImmutableArray<T>.Empty : builder.ToImmutable();

    /// <summary>Query, key and value (weights or results) on the stack, for the span overload of <c>Linears</c>.</summary>
    [InlineArray(3)]
    private struct Three<T>
    {
        private T _first;
    }

    private static (DeviceTensor Output, DeviceTensor? Probabilities, LayerCache? Cache) Layer(IForwardPass pass, EncoderLayer layer,
        DeviceTensor x, LayerCache? past, bool keepCache, in AttentionPlan plan)
    {
        var a = layer.Attention;
        // On the stack rather than SelfAttention.Projections, which builds a new array per call.
        var weights = new Three<LinearWeight>();
        (weights[0], weights[1], weights[2]) = (a.Query, a.Key, a.Value);
        var qkv = new Three<DeviceTensor>();
        pass.Linears(x, weights, qkv);
        var (q, k, v) = (qkv[0], qkv[1], qkv[2]);
        if (past is not null)
        {
            // The session owns the cache: once extended, the shorter cache and the step's own keys are dead.
            var (newK, newV) = (k, v);
            k = pass.ConcatSequence(past.Keys, newK);
            v = pass.ConcatSequence(past.Values, newV);
            pass.Release(newK);
            pass.Release(newV);
            pass.Release(past.Keys);
            pass.Release(past.Values);
        }
        DeviceTensor context;
        DeviceTensor? probabilities = null;
        if (plan.Packed)
        {
            context = pass.AttentionSegments(q, k, v, plan.KeyMask, plan.SegmentStarts, a.Heads, plan.Causal);
        }
        else
        {
            var attention = pass.Attention(q, k, v, plan.KeyMask, a.Heads, plan.Causal, plan.ReturnProbabilities);
            (context, probabilities) = (attention.Context, attention.Probabilities);
        }
        pass.Release(q);
        LayerCache? cache = keepCache ? new LayerCache(k, v) : null;
        if (!keepCache)
        {
            pass.Release(k);
            pass.Release(v);
        }

        var projected = pass.Linear(context, layer.AttentionOutput.Dense);
        pass.Release(context);
        var ln = layer.AttentionOutput.LayerNorm;
        var attended = pass.LayerNorm(projected, x, ln.Weight, ln.Bias, ln.Eps);
        pass.Release(projected);

        var output = pass.FeedForward(attended, layer.Intermediate.Dense, layer.Intermediate.Activation, layer.Output.Dense);
        var on = layer.Output.LayerNorm;
        var result = pass.LayerNorm(output, attended, on.Weight, on.Bias, on.Eps);
        pass.Release(output);
        pass.Release(attended);
        return (result, probabilities, cache);
    }
}
