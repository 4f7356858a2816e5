using System.Collections.Immutable;
using System.Diagnostics;
using Electra.Core.Backend;

namespace Electra.Benchmarks;

/// <summary>
/// A backend decorator that times every operation of its passes by kind (and by linear shape), for finding where a
/// forward spends its time. Only meaningful for eager backends (the CPU backend).
/// </summary>
public sealed class OpProfiler(IBackend inner) : DelegatingBackend(inner)
{
    readonly Dictionary<string, (double Ms, long Calls, double MinMs)> _totals = new();

    public override IForwardPass BeginPass() => new Pass(this, Inner.BeginPass());

    public void Reset() => _totals.Clear();

    /// <summary>Per kind: total ms, calls and the fastest call; sorted by time.</summary>
    public IReadOnlyList<(string Kind, double Ms, long Calls, double MinMs)> Totals() =>
        _totals.Select(kv => (kv.Key, kv.Value.Ms, kv.Value.Calls, kv.Value.MinMs)).OrderByDescending(t => t.Ms).ToList();

    T Time<T>(string kind, Func<T> op)
    {
        long t0 = Stopwatch.GetTimestamp();
        var result = op();
        Record(kind, t0);
        return result;
    }

    void Record(string kind, long startTimestamp)
    {
        double ms = Stopwatch.GetElapsedTime(startTimestamp).TotalMilliseconds;
        _totals[kind] = _totals.TryGetValue(kind, out var v) ? (v.Ms + ms, v.Calls + 1, Math.Min(v.MinMs, ms)) : (ms, 1, ms);
    }

    sealed class Pass(OpProfiler p, IForwardPass inner) : DelegatingForwardPass(p, inner)
    {
        public override float[] Read(DeviceTensor tensor) => p.Time("read", () => base.Read(tensor));
        public override DeviceTensor Gather(DeviceTensor table, DeviceTensor ids) => p.Time("gather", () => base.Gather(table, ids));
        public override DeviceTensor Add(DeviceTensor a, DeviceTensor b) => p.Time("add", () => base.Add(a, b));
        public override DeviceTensor Embed(EmbeddingInputs inputs) => p.Time("embed", () => base.Embed(inputs));
        public override DeviceTensor Linear(DeviceTensor x, LinearWeight weight, Activation activation = Activation.Identity) =>
            p.Time($"linear {weight.InFeatures}->{weight.OutFeatures} {activation}", () => base.Linear(x, weight, activation));
        public override ImmutableArray<DeviceTensor> Linears(DeviceTensor x, ImmutableArray<LinearWeight> weights) =>
            p.Time($"linears {weights.Length} x {weights[0].InFeatures}->{weights[0].OutFeatures}", () => base.Linears(x, weights));
        // Spans cannot be captured by a lambda: timed by hand.
        public override void Linears(DeviceTensor x, ReadOnlySpan<LinearWeight> weights, Span<DeviceTensor> results)
        {
            long t0 = Stopwatch.GetTimestamp();
            base.Linears(x, weights, results);
            p.Record($"linears {weights.Length} x {weights[0].InFeatures}->{weights[0].OutFeatures}", t0);
        }
        public override DeviceTensor FeedForward(DeviceTensor x, LinearWeight up, Activation activation, LinearWeight down) =>
            p.Time($"feed-forward {up.InFeatures}->{up.OutFeatures} {activation} ->{down.OutFeatures}", () => base.FeedForward(x, up, activation, down));
        public override DeviceTensor LinearLayerNorm(DeviceTensor x, LinearWeight weight, DeviceTensor residual, DeviceTensor gamma, DeviceTensor beta, float eps) =>
            p.Time($"linear+layernorm {weight.InFeatures}->{weight.OutFeatures}", () => base.LinearLayerNorm(x, weight, residual, gamma, beta, eps));
        public override DeviceTensor FeedForwardLayerNorm(DeviceTensor x, LinearWeight up, Activation activation, LinearWeight down, DeviceTensor gamma, DeviceTensor beta, float eps) =>
            p.Time($"feed-forward+layernorm {up.InFeatures}->{up.OutFeatures} {activation} ->{down.OutFeatures}", () => base.FeedForwardLayerNorm(x, up, activation, down, gamma, beta, eps));
        public override DeviceTensor Activate(DeviceTensor x, Activation activation) => p.Time($"activate {activation}", () => base.Activate(x, activation));
        public override DeviceTensor LayerNorm(DeviceTensor x, DeviceTensor? residual, DeviceTensor gamma, DeviceTensor beta, float eps) =>
            p.Time("layernorm", () => base.LayerNorm(x, residual, gamma, beta, eps));
        public override AttentionResult Attention(DeviceTensor q, DeviceTensor k, DeviceTensor v, DeviceTensor keyMask, int heads, bool causal, bool returnProbabilities) =>
            p.Time("attention", () => base.Attention(q, k, v, keyMask, heads, causal, returnProbabilities));
        public override DeviceTensor SelfAttention(DeviceTensor x, LinearWeight query, LinearWeight key, LinearWeight value, DeviceTensor keyMask, int heads, bool causal) =>
            p.Time($"q, k, v {query.InFeatures}->{query.OutFeatures} + attention", () => Inner.SelfAttention(x, query, key, value, keyMask, heads, causal));
        public override DeviceTensor AttentionSegments(DeviceTensor q, DeviceTensor k, DeviceTensor v, DeviceTensor keyMask, ImmutableArray<int> segmentStarts, int heads, bool causal) =>
            p.Time("attention (segments)", () => base.AttentionSegments(q, k, v, keyMask, segmentStarts, heads, causal));
        public override DeviceTensor ConcatSequence(DeviceTensor first, DeviceTensor second) => p.Time("concat", () => base.ConcatSequence(first, second));
        public override DeviceTensor SelectPositions(DeviceTensor x, DeviceTensor positions) => p.Time("select", () => base.SelectPositions(x, positions));
        public override DeviceTensor MeanOverSequence(DeviceTensor x) => p.Time("mean", () => base.MeanOverSequence(x));
    }
}
