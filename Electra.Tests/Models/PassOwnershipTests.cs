using System.Collections.Immutable;
using Electra.Core.Backend;
using Electra.Models;
using Electra.Models.Generation;
using Electra.Tests.Allocation;
using Electra.Tests.Reference;
using Electra.Tests.Support;

namespace Electra.Tests.Models;

/// <summary>
/// The forward's ownership rules, checked: every activation a forward makes in its pass (uploads, op results,
/// attention probabilities, hidden states) is released exactly once before the forward returns, so a pass that runs
/// many forwards (a session) holds nothing between them. Runs on the reference backend, which makes a new tensor for
/// every operation, so tensors can be told apart by identity.
/// </summary>
public sealed class PassOwnershipTests
{
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var name in SessionInputs.FixtureNames())
            foreach (var options in new[] { "default", "everything", "real-tokens-only" })
                data.Add(name, options);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void AForwardLeavesNoLiveActivationsInItsPass(string caseName, string optionsName)
    {
        var fixture = FixtureCase.Load(caseName);
        var backend = new TrackingBackend(new ReferenceBackend());
        var model = ElectraPretrained.Load(fixture.Folder, backend);
        var options = optionsName switch
        {
            "everything" => ForwardOptions.Everything,
            "real-tokens-only" => ForwardOptions.RealTokensOnly,
            _ => ForwardOptions.Default,
        };
        model.Forward(fixture.Inputs(), options);
        backend.AssertEveryPassEndedEmpty();
    }

    [Fact]
    public void DecodingKeepsOnlyItsCache()
    {
        var fixture = FixtureCase.Load("causallm_untied_gelu_new");
        var backend = new TrackingBackend(new ReferenceBackend());
        var model = ElectraPretrained.Load(fixture.Folder, backend);
        using (var session = model.StartDecoding())
        {
            session.Step([[1, 5, 7]]);
            session.Step([[9]]);
            // Two tensors (keys and values) per layer are the cache the next step extends; nothing else lives.
            Assert.Equal(2 * model.Config.NumHiddenLayers, backend.Passes.Single().Live.Count);
        }
    }

    /// <summary>A backend whose passes record every tensor they hand out and every release.</summary>
    private sealed class TrackingBackend(IBackend inner) : DelegatingBackend(inner)
    {
        public List<TrackingPass> Passes { get; } = [];

        public override IForwardPass BeginPass()
        {
            var pass = new TrackingPass(this, Inner.BeginPass());
            Passes.Add(pass);
            return pass;
        }

        public void AssertEveryPassEndedEmpty()
        {
            Assert.NotEmpty(Passes);
            foreach (var pass in Passes)
            {
                Assert.Empty(pass.Errors);
                Assert.True(pass.LiveAtDispose is { Count: 0 },
                    $"live at the end of the forward: {string.Join(", ", pass.LiveAtDispose ?? ["(pass not disposed)"])}");
            }
        }
    }

    private sealed class TrackingPass(IBackend owner, IForwardPass inner) : DelegatingForwardPass(owner, inner)
    {
        public HashSet<DeviceTensor> Live { get; } = new(ReferenceEqualityComparer.Instance);
        public List<string> Errors { get; } = [];
        public List<string>? LiveAtDispose { get; private set; }

        private DeviceTensor Made(DeviceTensor t)
        {
            if (!Live.Add(t)) Errors.Add($"{t} handed out twice");
            return t;
        }

        public override void Release(DeviceTensor tensor)
        {
            if (!Live.Remove(tensor)) Errors.Add($"{tensor} released but not live (a double release, or a weight)");
            base.Release(tensor);
        }

        public override void Dispose()
        {
            LiveAtDispose = Live.Select(t => t.ToString()).ToList();
            base.Dispose();
        }

        public override DeviceTensor Upload(ReadOnlySpan<float> data, ReadOnlySpan<int> shape) => Made(base.Upload(data, shape));
        public override DeviceTensor UploadInt(ReadOnlySpan<int> data, ReadOnlySpan<int> shape) => Made(base.UploadInt(data, shape));
        public override DeviceTensor Gather(DeviceTensor table, DeviceTensor ids) => Made(base.Gather(table, ids));
        public override DeviceTensor Add(DeviceTensor a, DeviceTensor b) => Made(base.Add(a, b));
        public override DeviceTensor Linear(DeviceTensor x, LinearWeight weight, Activation activation = Activation.Identity) =>
            Made(base.Linear(x, weight, activation));

        public override ImmutableArray<DeviceTensor> Linears(DeviceTensor x, ImmutableArray<LinearWeight> weights)
        {
            var results = base.Linears(x, weights);
            foreach (var t in results) Made(t);
            return results;
        }

        public override void Linears(DeviceTensor x, ReadOnlySpan<LinearWeight> weights, Span<DeviceTensor> results)
        {
            base.Linears(x, weights, results);
            foreach (var t in results) Made(t);
        }

        public override DeviceTensor FeedForward(DeviceTensor x, LinearWeight up, Activation activation, LinearWeight down) =>
            Made(base.FeedForward(x, up, activation, down));
        public override DeviceTensor LinearLayerNorm(DeviceTensor x, LinearWeight weight, DeviceTensor residual, DeviceTensor gamma,
            DeviceTensor beta, float eps) => Made(base.LinearLayerNorm(x, weight, residual, gamma, beta, eps));
        public override DeviceTensor FeedForwardLayerNorm(DeviceTensor x, LinearWeight up, Activation activation, LinearWeight down,
            DeviceTensor gamma, DeviceTensor beta, float eps) => Made(base.FeedForwardLayerNorm(x, up, activation, down, gamma, beta, eps));
        public override DeviceTensor Activate(DeviceTensor x, Activation activation) => Made(base.Activate(x, activation));
        public override DeviceTensor LayerNorm(DeviceTensor x, DeviceTensor? residual, DeviceTensor gamma, DeviceTensor beta, float eps) =>
            Made(base.LayerNorm(x, residual, gamma, beta, eps));
        public override DeviceTensor Embed(EmbeddingInputs inputs) => Made(base.Embed(inputs));

        public override AttentionResult Attention(DeviceTensor q, DeviceTensor k, DeviceTensor v, DeviceTensor keyMask, int heads,
            bool causal, bool returnProbabilities)
        {
            var result = base.Attention(q, k, v, keyMask, heads, causal, returnProbabilities);
            Made(result.Context);
            if (result.Probabilities is { } p) Made(p);
            return result;
        }

        public override DeviceTensor AttentionSegments(DeviceTensor q, DeviceTensor k, DeviceTensor v, DeviceTensor keyMask,
            ImmutableArray<int> segmentStarts, int heads, bool causal) =>
            Made(base.AttentionSegments(q, k, v, keyMask, segmentStarts, heads, causal));
        public override DeviceTensor ConcatSequence(DeviceTensor first, DeviceTensor second) => Made(base.ConcatSequence(first, second));
        public override DeviceTensor SelectPositions(DeviceTensor x, DeviceTensor positions) => Made(base.SelectPositions(x, positions));
        public override DeviceTensor MeanOverSequence(DeviceTensor x) => Made(base.MeanOverSequence(x));
        public override DeviceTensor PoolSegments(DeviceTensor x, DeviceTensor weights, ImmutableArray<int> segmentStarts,
            SegmentPooling pooling) => Made(base.PoolSegments(x, weights, segmentStarts, pooling));
    }
}
