using System.Collections.Immutable;
using Electra.Core.Backend;
using Electra.Models.Layers;

namespace Electra.Models.Forward;

/// <summary>Cached keys and values of one decoder layer, [Rows, S_past, H] each.</summary>
public sealed record LayerCache(DeviceTensor Keys, DeviceTensor Values);

/// <summary>HF: ElectraEncoder / ElectraLayer.forward (eval mode, so dropout is the identity).</summary>
internal static class EncoderForward
{
    public sealed record Result(DeviceTensor Last, ImmutableArray<DeviceTensor> Hidden, ImmutableArray<DeviceTensor> Attentions,
        ImmutableArray<LayerCache> Cache);

    /// <param name="keyMask">float [Rows, S_past + S] of 1/0.</param>
    /// <param name="past">per-layer caches for incremental decoding, or default for none.</param>
    public static Result Run(IForwardPass pass, ElectraBody body, DeviceTensor input, DeviceTensor keyMask,
        ForwardOptions options, ImmutableArray<LayerCache> past, bool keepCache, CancellationToken cancellationToken = default)
    {
        var hidden = ImmutableArray.CreateBuilder<DeviceTensor>();
        var attentions = ImmutableArray.CreateBuilder<DeviceTensor>();
        var cache = ImmutableArray.CreateBuilder<LayerCache>();
        if (options.OutputHiddenStates) hidden.Add(input);
        var x = input;
        for (int l = 0; l < body.Layers.Length; l++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var layer = body.Layers[l];
            var layerPast = past.IsDefaultOrEmpty ? null : past[l];
            var (next, probs, layerCache) = Layer(pass, layer, x, layerPast, keepCache,
                (q, k, v) => pass.Attention(q, k, v, keyMask, layer.Attention.Heads, body.IsDecoder, options.OutputAttentions));
            if (options.OutputAttentions) attentions.Add(probs!);
            if (layerCache is not null) cache.Add(layerCache);
            if (options.OutputHiddenStates) hidden.Add(next);
            else if (x != input) pass.Release(x);
            x = next;
        }
        return new Result(x, hidden.ToImmutable(), attentions.ToImmutable(), cache.ToImmutable());
    }

    /// <summary>
    /// The encoder over packed rows [T, H] of several sequences (unpadded execution): every linear and LayerNorm
    /// runs on the T rows, attention per segment (see <see cref="IForwardPass.AttentionSegments"/>).
    /// </summary>
    /// <param name="keyMask">float [T] of 1/0.</param>
    public static DeviceTensor RunPacked(IForwardPass pass, ElectraBody body, DeviceTensor input, DeviceTensor keyMask,
        ImmutableArray<int> segmentStarts, CancellationToken cancellationToken = default)
    {
        var x = input;
        foreach (var layer in body.Layers)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (next, _, _) = Layer(pass, layer, x, null, keepCache: false,
                (q, k, v) => new AttentionResult(
                    pass.AttentionSegments(q, k, v, keyMask, segmentStarts, layer.Attention.Heads, body.IsDecoder), null));
            if (x != input) pass.Release(x);
            x = next;
        }
        return x;
    }

    private static (DeviceTensor Output, DeviceTensor? Probabilities, LayerCache? Cache) Layer(IForwardPass pass, EncoderLayer layer,
        DeviceTensor x, LayerCache? past, bool keepCache, Func<DeviceTensor, DeviceTensor, DeviceTensor, AttentionResult> attend)
    {
        var a = layer.Attention;
        var qkv = pass.Linears(x, a.Projections);
        var (q, k, v) = (qkv[0], qkv[1], qkv[2]);
        if (past is not null)
        {
            // The session owns the cache: once extended, the shorter cache and the step's own keys are dead.
            var (newK, newV) = (k, v);
            k = pass.ConcatSequence(past.Keys, newK);
            v = pass.ConcatSequence(past.Values, newV);
            foreach (var t in new[] { newK, newV, past.Keys, past.Values }) pass.Release(t);
        }
        var attention = attend(q, k, v);
        pass.Release(q);
        LayerCache? cache = keepCache ? new LayerCache(k, v) : null;
        if (!keepCache)
        {
            pass.Release(k);
            pass.Release(v);
        }

        var projected = pass.Linear(attention.Context, layer.AttentionOutput.Dense);
        pass.Release(attention.Context);
        var ln = layer.AttentionOutput.LayerNorm;
        var attended = pass.LayerNorm(projected, x, ln.Weight, ln.Bias, ln.Eps);
        pass.Release(projected);

        var intermediate = pass.Linear(attended, layer.Intermediate.Dense, layer.Intermediate.Activation);
        var output = pass.Linear(intermediate, layer.Output.Dense);
        pass.Release(intermediate);
        var on = layer.Output.LayerNorm;
        var result = pass.LayerNorm(output, attended, on.Weight, on.Bias, on.Eps);
        pass.Release(output);
        pass.Release(attended);
        return (result, attention.Probabilities, cache);
    }
}
