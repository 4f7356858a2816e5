using System.Collections.Immutable;
using Electra.Core.Backend;

namespace Electra.Tests.Packed;

/// <summary>A backend wrapper that counts padded and packed attention calls, to tell which path a forward took.</summary>
internal sealed class CountingBackend(IBackend inner) : DelegatingBackend(inner)
{
    public int PaddedAttentions;
    public int PackedAttentions;

    public override IForwardPass BeginPass() => new Pass(this, Inner.BeginPass());

    private sealed class Pass(CountingBackend owner, IForwardPass inner) : DelegatingForwardPass(owner, inner)
    {
        public override AttentionResult Attention(DeviceTensor q, DeviceTensor k, DeviceTensor v, DeviceTensor keyMask, int heads,
            bool causal, bool returnProbabilities)
        {
            owner.PaddedAttentions++;
            return base.Attention(q, k, v, keyMask, heads, causal, returnProbabilities);
        }

        public override DeviceTensor AttentionSegments(DeviceTensor q, DeviceTensor k, DeviceTensor v, DeviceTensor keyMask,
            ImmutableArray<int> segmentStarts, int heads, bool causal)
        {
            owner.PackedAttentions++;
            return base.AttentionSegments(q, k, v, keyMask, segmentStarts, heads, causal);
        }
    }
}
