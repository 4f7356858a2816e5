using System.Collections.Immutable;
using Electra.Core.Backend;
using Electra.Core.Configuration;
using Electra.Models.Forward;
using Electra.Models.Loading;

namespace Electra.Models.Layers;

/// <summary>
/// HF: ElectraSelfAttention (absolute positions, eval mode). Keys: {prefix}.{query,key,value}.{weight,bias}, [H, H].
/// </summary>
public sealed record ElectraSelfAttention(LinearWeight Query, LinearWeight Key, LinearWeight Value, int NumAttentionHeads)
{
    /// <summary>
    /// Query, key and value, in that order, for <c>IForwardPass.Linears</c>: computed on each call, so a <c>with</c>
    /// copy that replaces one of them returns the new one.
    /// </summary>
    public ImmutableArray<LinearWeight> Projections => [Query, Key, Value];

    internal static ElectraSelfAttention Load(WeightReader weights, string prefix, ElectraConfig config)
    {
        int h = config.HiddenSize;
        // Encoder-layer linears may run in int8 (CpuBackendOptions.Quantization); heads and projections never do.
        const LinearRole Encoder = LinearRole.EncoderLayer;
        return new ElectraSelfAttention(weights.Linear(prefix + ".query", h, h, Encoder), weights.Linear(prefix + ".key", h, h, Encoder),
            weights.Linear(prefix + ".value", h, h, Encoder), config.NumAttentionHeads);
    }

    /// <param name="pass">Owns every tensor made here.</param>
    /// <param name="x">[Rows, S, H] or packed [T, H]; stays the caller's.</param>
    /// <param name="past">The layer's cached keys and values (incremental decoding), or null. Consumed: released
    /// once extended.</param>
    /// <param name="keepCache">Return the keys and values [Rows, S_past + S, H] (the caller then owns them) instead of
    /// releasing them.</param>
    /// <param name="plan">How to attend (padded or packed, causal, probabilities).</param>
    /// <returns>The context [.., H] and, when asked for, the probabilities, owned by the caller.</returns>
    internal (DeviceTensor Context, DeviceTensor? Probabilities, LayerCache? Cache) Forward(IForwardPass pass, DeviceTensor x,
        LayerCache? past, bool keepCache, in AttentionPlan plan)
    {
        // The common case, a padded batch without caches or probabilities: the backend may fuse the projections with
        // the attention.
        if (past is null && !keepCache && !plan.Packed && !plan.ReturnProbabilities)
            return (pass.SelfAttention(x, Query, Key, Value, plan.KeyMask, NumAttentionHeads, plan.Causal), null, null);
        // On the stack rather than Projections, which builds a new array per call.
        var weights = new Three<LinearWeight>();
        (weights[0], weights[1], weights[2]) = (Query, Key, Value);
        var qkv = new Three<DeviceTensor>();
        pass.Linears(x, weights, qkv);
        using var q = pass.Scope(qkv[0]);
        var (k, v) = (qkv[1], qkv[2]);
        if (past is not null)
        {
            // Once extended, the shorter cache and this step's own keys and values are dead.
            using (pass.Scope(past.Keys))
            using (pass.Scope(past.Values))
            using (var stepKeys = pass.Scope(k))
            using (var stepValues = pass.Scope(v))
            {
                k = pass.ConcatSequence(past.Keys, stepKeys);
                v = pass.ConcatSequence(past.Values, stepValues);
            }
        }
        // Kept keys and values go to the caller's cache; otherwise they die with this call.
        using var keys = keepCache ? default : pass.Scope(k);
        using var values = keepCache ? default : pass.Scope(v);
        var cache = keepCache ? new LayerCache(k, v) : null;
        if (plan.Packed)
            return (pass.AttentionSegments(q, k, v, plan.KeyMask, plan.SegmentStarts, NumAttentionHeads, plan.Causal), null, cache);
        var attention = pass.Attention(q, k, v, plan.KeyMask, NumAttentionHeads, plan.Causal, plan.ReturnProbabilities);
        return (attention.Context, attention.Probabilities, cache);
    }
}
