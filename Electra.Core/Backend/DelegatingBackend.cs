using System.Collections.Immutable;
using Electra.Core.Tensors;

namespace Electra.Core.Backend;

/// <summary>
/// A backend that forwards everything to another one: derive from it (and from <see cref="DelegatingForwardPass"/>)
/// to observe or adjust a few operations, e.g. to time them or to count which path a forward took.
/// Disposing it disposes the inner backend.
/// </summary>
public abstract class DelegatingBackend(IBackend inner) : IBackend
{
    /// <summary>The backend that does the work.</summary>
    public IBackend Inner => inner;
    public virtual string Name => inner.Name;
    public virtual string DeviceDescription => inner.DeviceDescription;
    public virtual DeviceTensor UploadWeight(HostTensor weight) => inner.UploadWeight(weight);
    public virtual LinearWeight UploadLinear(HostTensor weight, HostTensor? bias) => inner.UploadLinear(weight, bias);
    public virtual LinearWeight UploadLinear(HostTensor weight, HostTensor? bias, LinearRole role) => inner.UploadLinear(weight, bias, role);
    public abstract IForwardPass BeginPass();
    public virtual void Dispose() => inner.Dispose();
}

/// <summary>A forward pass that forwards every operation to another pass; override the ones to observe.</summary>
public abstract class DelegatingForwardPass(IBackend owner, IForwardPass inner) : IForwardPass
{
    /// <summary>The pass that does the work.</summary>
    protected IForwardPass Inner => inner;
    public IBackend Backend => owner;
    public virtual DeviceTensor Upload(ReadOnlySpan<float> data, ReadOnlySpan<int> shape) => inner.Upload(data, shape);
    public virtual DeviceTensor UploadInt(ReadOnlySpan<int> data, ReadOnlySpan<int> shape) => inner.UploadInt(data, shape);
    public virtual float[] Read(DeviceTensor tensor) => inner.Read(tensor);
    public virtual void Read(DeviceTensor tensor, Span<float> destination) => inner.Read(tensor, destination);
    public virtual bool TryReleaseAll() => inner.TryReleaseAll();
    public virtual void Release(DeviceTensor tensor) => inner.Release(tensor);
    public virtual DeviceTensor Reshape(DeviceTensor x, ReadOnlySpan<int> shape) => inner.Reshape(x, shape);
    public virtual DeviceTensor Gather(DeviceTensor table, DeviceTensor ids) => inner.Gather(table, ids);
    public virtual DeviceTensor Add(DeviceTensor a, DeviceTensor b) => inner.Add(a, b);
    public virtual DeviceTensor Linear(DeviceTensor x, LinearWeight weight, Activation activation = Activation.Identity) =>
        inner.Linear(x, weight, activation);
    public virtual ImmutableArray<DeviceTensor> Linears(DeviceTensor x, ImmutableArray<LinearWeight> weights) =>
        inner.Linears(x, weights);
    public virtual void Linears(DeviceTensor x, ReadOnlySpan<LinearWeight> weights, Span<DeviceTensor> results) =>
        inner.Linears(x, weights, results);
    public virtual DeviceTensor Embed(EmbeddingInputs inputs) => inner.Embed(inputs);
    public virtual DeviceTensor FeedForward(DeviceTensor x, LinearWeight up, Activation activation, LinearWeight down) =>
        inner.FeedForward(x, up, activation, down);
    public virtual DeviceTensor LinearLayerNorm(DeviceTensor x, LinearWeight weight, DeviceTensor residual, DeviceTensor gamma,
        DeviceTensor beta, float eps) => inner.LinearLayerNorm(x, weight, residual, gamma, beta, eps);
    public virtual DeviceTensor FeedForwardLayerNorm(DeviceTensor x, LinearWeight up, Activation activation, LinearWeight down,
        DeviceTensor gamma, DeviceTensor beta, float eps) => inner.FeedForwardLayerNorm(x, up, activation, down, gamma, beta, eps);
    public virtual DeviceTensor Activate(DeviceTensor x, Activation activation) => inner.Activate(x, activation);
    public virtual DeviceTensor LayerNorm(DeviceTensor x, DeviceTensor? residual, DeviceTensor gamma, DeviceTensor beta, float eps) =>
        inner.LayerNorm(x, residual, gamma, beta, eps);
    public virtual AttentionResult Attention(DeviceTensor q, DeviceTensor k, DeviceTensor v, DeviceTensor keyMask, int heads,
        bool causal, bool returnProbabilities) => inner.Attention(q, k, v, keyMask, heads, causal, returnProbabilities);
    /// <summary>
    /// By default as its parts, each through this pass (<see cref="UnfusedSelfAttention"/>), so that a wrapper that
    /// overrides Linears, Attention or Release sees every one of them; a wrapper that needs none of that may forward to
    /// <see cref="Inner"/>'s SelfAttention instead, which a backend may fuse.
    /// </summary>
    public virtual DeviceTensor SelfAttention(DeviceTensor x, LinearWeight query, LinearWeight key, LinearWeight value,
        DeviceTensor keyMask, int heads, bool causal) => UnfusedSelfAttention.Run(this, x, query, key, value, keyMask, heads, causal);
    public virtual DeviceTensor AttentionSegments(DeviceTensor q, DeviceTensor k, DeviceTensor v, DeviceTensor keyMask,
        ImmutableArray<int> segmentStarts, int heads, bool causal) =>
        inner.AttentionSegments(q, k, v, keyMask, segmentStarts, heads, causal);
    public virtual DeviceTensor ConcatSequence(DeviceTensor first, DeviceTensor second) => inner.ConcatSequence(first, second);
    public virtual DeviceTensor SelectPositions(DeviceTensor x, DeviceTensor positions) => inner.SelectPositions(x, positions);
    public virtual DeviceTensor MeanOverSequence(DeviceTensor x) => inner.MeanOverSequence(x);
    public virtual DeviceTensor PoolSegments(DeviceTensor x, DeviceTensor weights, ImmutableArray<int> segmentStarts,
        SegmentPooling pooling) => inner.PoolSegments(x, weights, segmentStarts, pooling);
    public virtual void Dispose() => inner.Dispose();
}
