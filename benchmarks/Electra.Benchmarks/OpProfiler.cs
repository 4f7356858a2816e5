using System.Diagnostics;
using Electra.Core.Backend;
using Electra.Core.Tensors;

namespace Electra.Benchmarks;

/// <summary>
/// An <see cref="IBackend"/> decorator that times every operation of its passes by kind (and by linear shape), for
/// finding where a forward spends its time. Only meaningful for eager backends (the CPU backend).
/// </summary>
public sealed class OpProfiler(IBackend inner) : IBackend
{
    readonly Dictionary<string, (double Ms, long Calls, double MinMs)> _totals = new();

    public string Name => inner.Name;
    public string DeviceDescription => inner.DeviceDescription;
    public DeviceTensor UploadWeight(HostTensor weight) => inner.UploadWeight(weight);
    public LinearWeight UploadLinear(HostTensor weight, HostTensor? bias) => inner.UploadLinear(weight, bias);
    public IForwardPass BeginPass() => new Pass(this, inner.BeginPass());
    public void Dispose() => inner.Dispose();

    public void Reset() => _totals.Clear();

    /// <summary>Per kind: total ms, calls; sorted by time.</summary>
    public IReadOnlyList<(string Kind, double Ms, long Calls, double MinMs)> Totals() =>
        _totals.Select(kv => (kv.Key, kv.Value.Ms, kv.Value.Calls, kv.Value.MinMs)).OrderByDescending(t => t.Ms).ToList();

    T Time<T>(string kind, Func<T> op)
    {
        long t0 = Stopwatch.GetTimestamp();
        var result = op();
        double ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        _totals[kind] = _totals.TryGetValue(kind, out var v) ? (v.Ms + ms, v.Calls + 1, Math.Min(v.MinMs, ms)) : (ms, 1, ms);
        return result;
    }

    sealed class Pass(OpProfiler p, IForwardPass inner) : IForwardPass
    {
        public IBackend Backend => p;
        public DeviceTensor Upload(ReadOnlySpan<float> data, ReadOnlySpan<int> shape) => inner.Upload(data, shape);
        public DeviceTensor UploadInt(ReadOnlySpan<int> data, ReadOnlySpan<int> shape) => inner.UploadInt(data, shape);
        public float[] Read(DeviceTensor tensor) => p.Time("read", () => inner.Read(tensor));
        public void Release(DeviceTensor tensor) => inner.Release(tensor);
        public DeviceTensor Reshape(DeviceTensor x, ReadOnlySpan<int> shape) { var s = shape.ToArray(); return inner.Reshape(x, s); }
        public DeviceTensor Gather(DeviceTensor table, DeviceTensor ids) => p.Time("gather", () => inner.Gather(table, ids));
        public DeviceTensor Add(DeviceTensor a, DeviceTensor b) => p.Time("add", () => inner.Add(a, b));
        public DeviceTensor Linear(DeviceTensor x, LinearWeight weight, Activation activation = Activation.Identity) =>
            p.Time($"linear {weight.InFeatures}->{weight.OutFeatures} {activation}", () => inner.Linear(x, weight, activation));
        public System.Collections.Immutable.ImmutableArray<DeviceTensor> Linears(DeviceTensor x, System.Collections.Immutable.ImmutableArray<LinearWeight> weights) =>
            p.Time($"linears {weights.Length} x {weights[0].InFeatures}->{weights[0].OutFeatures}", () => inner.Linears(x, weights));
        public DeviceTensor Activate(DeviceTensor x, Activation activation) => p.Time($"activate {activation}", () => inner.Activate(x, activation));
        public DeviceTensor LayerNorm(DeviceTensor x, DeviceTensor? residual, DeviceTensor gamma, DeviceTensor beta, float eps) =>
            p.Time("layernorm", () => inner.LayerNorm(x, residual, gamma, beta, eps));
        public AttentionResult Attention(DeviceTensor q, DeviceTensor k, DeviceTensor v, DeviceTensor keyMask, int heads, bool causal, bool returnProbabilities) =>
            p.Time("attention", () => inner.Attention(q, k, v, keyMask, heads, causal, returnProbabilities));
        public DeviceTensor AttentionSegments(DeviceTensor q, DeviceTensor k, DeviceTensor v, DeviceTensor keyMask,
            System.Collections.Immutable.ImmutableArray<int> segmentStarts, int heads, bool causal) =>
            p.Time("attention segments", () => inner.AttentionSegments(q, k, v, keyMask, segmentStarts, heads, causal));
        public DeviceTensor ConcatSequence(DeviceTensor first, DeviceTensor second) => p.Time("concat", () => inner.ConcatSequence(first, second));
        public DeviceTensor SelectPositions(DeviceTensor x, DeviceTensor positions) => p.Time("select", () => inner.SelectPositions(x, positions));
        public DeviceTensor MeanOverSequence(DeviceTensor x) => p.Time("mean", () => inner.MeanOverSequence(x));
        public void Dispose() => inner.Dispose();
    }
}
