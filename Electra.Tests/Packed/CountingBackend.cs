using System.Collections.Immutable;
using Electra.Core.Backend;
using Electra.Core.Tensors;

namespace Electra.Tests.Packed;

/// <summary>A backend wrapper that counts padded and packed attention calls, to tell which path a forward took.</summary>
internal sealed class CountingBackend(IBackend inner) : IBackend
{
    public int PaddedAttentions;
    public int PackedAttentions;

    public IBackend Inner => inner;
    public string Name => inner.Name;
    public string DeviceDescription => inner.DeviceDescription;
    public DeviceTensor UploadWeight(HostTensor weight) => inner.UploadWeight(weight);
    public LinearWeight UploadLinear(HostTensor weight, HostTensor? bias) => inner.UploadLinear(weight, bias);
    public IForwardPass BeginPass() => new Pass(this, inner.BeginPass());
    public void Dispose() => inner.Dispose();

    private sealed class Pass(CountingBackend owner, IForwardPass inner) : IForwardPass
    {
        public IBackend Backend => owner;
        public DeviceTensor Upload(ReadOnlySpan<float> data, ReadOnlySpan<int> shape) => inner.Upload(data, shape);
        public DeviceTensor UploadInt(ReadOnlySpan<int> data, ReadOnlySpan<int> shape) => inner.UploadInt(data, shape);
        public float[] Read(DeviceTensor tensor) => inner.Read(tensor);
        public void Release(DeviceTensor tensor) => inner.Release(tensor);
        public DeviceTensor Reshape(DeviceTensor x, ReadOnlySpan<int> shape) => inner.Reshape(x, shape);
        public DeviceTensor Gather(DeviceTensor table, DeviceTensor ids) => inner.Gather(table, ids);
        public DeviceTensor Add(DeviceTensor a, DeviceTensor b) => inner.Add(a, b);
        public DeviceTensor Linear(DeviceTensor x, LinearWeight weight, Activation activation = Activation.Identity) =>
            inner.Linear(x, weight, activation);
        public DeviceTensor Activate(DeviceTensor x, Activation activation) => inner.Activate(x, activation);
        public DeviceTensor LayerNorm(DeviceTensor x, DeviceTensor? residual, DeviceTensor gamma, DeviceTensor beta, float eps) =>
            inner.LayerNorm(x, residual, gamma, beta, eps);

        public AttentionResult Attention(DeviceTensor q, DeviceTensor k, DeviceTensor v, DeviceTensor keyMask, int heads,
            bool causal, bool returnProbabilities)
        {
            owner.PaddedAttentions++;
            return inner.Attention(q, k, v, keyMask, heads, causal, returnProbabilities);
        }

        public DeviceTensor AttentionSegments(DeviceTensor q, DeviceTensor k, DeviceTensor v, DeviceTensor keyMask,
            ImmutableArray<int> segmentStarts, int heads, bool causal)
        {
            owner.PackedAttentions++;
            return inner.AttentionSegments(q, k, v, keyMask, segmentStarts, heads, causal);
        }

        public DeviceTensor ConcatSequence(DeviceTensor first, DeviceTensor second) => inner.ConcatSequence(first, second);
        public DeviceTensor SelectPositions(DeviceTensor x, DeviceTensor positions) => inner.SelectPositions(x, positions);
        public DeviceTensor MeanOverSequence(DeviceTensor x) => inner.MeanOverSequence(x);
        public void Dispose() => inner.Dispose();
    }
}
