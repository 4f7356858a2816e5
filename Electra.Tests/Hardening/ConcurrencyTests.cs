using Electra.Core.Backend;
using Electra.Core.Configuration;
using Electra.Cpu;
using Electra.Models;
using Electra.Tests.Support;
using Electra.Tokenizer;

namespace Electra.Tests.Hardening;

/// <summary>
/// One loaded model (and one tokenizer) shared by 16 threads gives bit-identical results to single-threaded runs;
/// cancellation stops a long forward promptly and leaves the model usable. The long versions (16 × 1,000 forwards,
/// 10,000-forward memory soak) are tools/soak.sh; these are the seconds-long CI versions.
/// </summary>
public sealed class ConcurrencyTests
{
    private const int Threads = 16;

    private static ModelInputs Input(int i, ElectraConfig config)
    {
        var rng = new Random(i);
        int length = 3 + i % 9;
        var ids = new int[2][];
        for (int r = 0; r < 2; r++) ids[r] = Enumerable.Range(0, length).Select(_ => rng.Next(config.VocabSize)).ToArray();
        var mask = new[] { Enumerable.Repeat(1, length).ToArray(), Enumerable.Range(0, length).Select(k => k < length - i % 3 ? 1 : 0).ToArray() };
        return ModelInputs.FromIds(ids, mask);
    }

    private static uint[] Bits(ModelOutput output) =>
        output.Tensors.OrderBy(t => t.Key, StringComparer.Ordinal).SelectMany(t => t.Value.ToArray()).Select(BitConverter.SingleToUInt32Bits).ToArray();

    public static IEnumerable<object[]> Backends() => TestBackends.Names.Select(n => new object[] { n });

    [Theory]
    [MemberData(nameof(Backends))]
    public void SixteenThreadsGiveBitIdenticalOutputs(string backendName)
    {
        using var backend = TestBackends.Create(backendName);
        var model = ElectraPretrained.Load(SharedData.Fixture("pretraining_gelu"), backend);
        int perThread = backendName == "cpu" ? 6 : 2;
        int distinct = 8;
        var expected = Enumerable.Range(0, distinct).Select(i => Bits(model.Forward(Input(i, model.Config), ForwardOptions.Everything))).ToArray();

        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            try
            {
                for (int k = 0; k < perThread; k++)
                {
                    int i = (t + k) % distinct;
                    if (!Bits(model.Forward(Input(i, model.Config), ForwardOptions.Everything)).AsSpan().SequenceEqual(expected[i]))
                        failures.Add($"thread {t}, forward {k}: input {i} differs from the single-threaded result");
                }
            }
            catch (Exception e)
            {
                failures.Add($"thread {t}: {e}");
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.Empty(failures);
        TestBackends.AssertClean(backend);
    }

    [Fact]
    public void SixteenThreadsTokenizeIdentically()
    {
        var tokenizer = BertTokenizer.Load(Path.Combine(SharedData.RepoRoot, "models", "electra-tiny-rtd", "discriminator"));
        var lines = File.ReadLines(Path.Combine(SharedData.Fixtures, "tokenizer", "corpus.txt")).Where(l => l.Length > 0).Take(200).ToArray();
        var options = new EncodeOptions { Truncation = TruncationStrategy.LongestFirst, MaxLength = 24, Stride = 4 };
        var expected = lines.Select((l, i) => tokenizer.Encode(l, i % 2 == 0 ? null : lines[(i + 1) % lines.Length], options)).ToArray();

        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, t =>
        {
            for (int k = 0; k < lines.Length; k++)
            {
                int i = (k * 7 + t) % lines.Length;
                var e = tokenizer.Encode(lines[i], i % 2 == 0 ? null : lines[(i + 1) % lines.Length], options);
                if (!e.InputIds.SequenceEqual(expected[i].InputIds) || !e.Offsets.SequenceEqual(expected[i].Offsets)
                    || !e.OverflowingTokens.SequenceEqual(expected[i].OverflowingTokens))
                    failures.Add($"thread {t}: line {i} encodes differently");
            }
        });
        Assert.Empty(failures);
    }

    [Fact]
    public void CancelledTokenStopsBeforeAnyWork()
    {
        using var backend = new CpuBackend();
        var model = ElectraPretrained.Load(SharedData.Fixture("pretraining_gelu"), backend);
        Assert.Throws<OperationCanceledException>(() => model.Forward(ModelInputs.FromIds([[1, 2, 3]]), null, new CancellationToken(true)));
    }

    [Fact]
    public void CancellationStopsALongBatchAtTheNextLayerAndTheModelStaysUsable()
    {
        // 24 layers; the token is cancelled from inside layer 6's attention, so the pass must stop before layer 7
        // runs anything. Counted in operations, not timed: a busy machine cannot change the outcome.
        var config = new ElectraConfig
        {
            VocabSize = 100, EmbeddingSize = 64, HiddenSize = 64, NumHiddenLayers = 24, NumAttentionHeads = 4,
            IntermediateSize = 256, MaxPositionEmbeddings = 128,
        }.Validate();
        using var cts = new CancellationTokenSource();
        using var backend = new CancellingBackend(new CpuBackend());
        var model = RandomModels.Model(config, ElectraArchitecture.ElectraModel, new Random(5), backend);
        var rng = new Random(6);
        var inputs = ModelInputs.FromIds(Enumerable.Range(0, 16).Select(_ => Enumerable.Range(0, 128).Select(_ => rng.Next(100)).ToArray()).ToArray());
        var reference = Bits(model.Forward(inputs));
        Assert.Equal(24, backend.Attentions);

        backend.Attentions = 0;
        backend.CancelAt = (6, cts);
        var ex = Record.Exception(() => model.Forward(inputs, null, cts.Token));
        Assert.IsAssignableFrom<OperationCanceledException>(ex);
        Assert.Equal(6, backend.Attentions);

        backend.CancelAt = null;
        Assert.Equal(reference, Bits(model.Forward(inputs)));
    }

    /// <summary>A CPU backend whose passes count attention calls and cancel a token at the chosen one.</summary>
    private sealed class CancellingBackend(IBackend inner) : DelegatingBackend(inner)
    {
        public int Attentions;
        public (int Count, CancellationTokenSource Source)? CancelAt;

        public override IForwardPass BeginPass() => new Pass(this, Inner.BeginPass());

        private void Counted()
        {
            Attentions++;
            if (CancelAt is { } c && Attentions == c.Count) c.Source.Cancel();
        }

        private sealed class Pass(CancellingBackend owner, IForwardPass inner) : DelegatingForwardPass(owner, inner)
        {
            public override AttentionResult Attention(DeviceTensor q, DeviceTensor k, DeviceTensor v, DeviceTensor keyMask, int heads,
                bool causal, bool returnProbabilities)
            {
                owner.Counted();
                return base.Attention(q, k, v, keyMask, heads, causal, returnProbabilities);
            }

            public override DeviceTensor AttentionSegments(DeviceTensor q, DeviceTensor k, DeviceTensor v, DeviceTensor keyMask,
                System.Collections.Immutable.ImmutableArray<int> segmentStarts, int heads, bool causal)
            {
                owner.Counted();
                return base.AttentionSegments(q, k, v, keyMask, segmentStarts, heads, causal);
            }
        }
    }
}
