using Electra.Core.Errors;
using Electra.Models;
using Electra.Models.Pipelines;
using Electra.Tests.Support;

namespace Electra.Tests.Pipelines;

/// <summary>
/// detect and fill-mask on the shipped demo pair, against transformers: the per-token probabilities its model card
/// lists, and its reference outputs (fixture format, exported from transformers).
/// </summary>
public sealed class DemoModelTests(DemoModelFixture demo) : IClassFixture<DemoModelFixture>
{
    private const string Seed = "The quick brown fox fake over the lazy dog";

    [Fact]
    public void SeedExampleFlagsFakeWithTheModelCardsProbabilities()
    {
        var r = demo.Detect.Run(Seed);
        // From ../shared/models/electra-tiny-rtd/README.md (transformers, rounded to 3 decimals; checked within 1e-3).
        (string, double)[] card = [("[CLS]", 0.001), ("the", 0.126), ("quick", 0.154), ("brown", 0.100), ("fox", 0.106),
            ("fake", 0.422), ("over", 0.160), ("the", 0.130), ("lazy", 0.118), ("dog", 0.144), ("[SEP]", 0.000)];
        Assert.Equal(card.Select(c => c.Item1), r.Tokens.Select(t => t.Token));
        for (int i = 0; i < card.Length; i++)
            Assert.True(Math.Abs(card[i].Item2 - r.Tokens[i].Score) <= 1e-3, $"{card[i].Item1}: card {card[i].Item2}, got {r.Tokens[i].Score}");
        Assert.Equal("fake", r.MostLikelyReplaced!.Word);
        Assert.Equal((20, 24), (r.MostLikelyReplaced.Start, r.MostLikelyReplaced.End));
        Assert.Equal("fake", Seed[20..24]);
    }

    [Fact]
    public void BatchedDetectionMatchesTransformersReferenceLogits()
    {
        var fixture = FixtureCase.Load(SharedData.CaseFolder("models/electra-tiny-rtd/discriminator"));
        var (texts, rows) = ReferenceTexts(fixture);
        var results = demo.Detect.Run(texts);
        var logits = fixture.Reference()["logits"];
        int seq = logits.Shape[1];
        for (int r = 0; r < texts.Length; r++)
        {
            Assert.Equal(rows[r], results[r].Tokens.Select(t => t.Id));
            for (int t = 0; t < rows[r].Length; t++)
            {
                double expected = 1 / (1 + Math.Exp(-logits.Span[r * seq + t]));
                Assert.True(Math.Abs(expected - results[r].Tokens[t].Score) <= 1e-4, $"row {r} token {t}: reference {expected}, got {results[r].Tokens[t].Score}");
            }
        }
    }

    [Fact]
    public void AWordScoresTheMaximumOfItsPieces()
    {
        var r = demo.Detect.Run("Unbelievably, the lighthouse keeper whistled.");
        foreach (var w in r.Words)
        {
            var pieces = r.Tokens.Where(t => !t.IsSpecial && t.Start >= w.Start && t.End <= w.End).ToList();
            Assert.NotEmpty(pieces);
            Assert.Equal(pieces.Max(p => p.Score), w.Score);
        }
        Assert.Contains(r.Tokens, t => t.Token.StartsWith("##"));
        Assert.Equal(",", r.Words[1].Word);
    }

    [Fact]
    public void TextsLongerThanTheWindowAreScoredInOverlappingWindows()
    {
        var small = new ReplacedTokenDetection(new PipelineModel(demo.Detect.Pipeline.Model, demo.Detect.Pipeline.Tokenizer,
            new PipelineSettings(MaxLength: 12), ElectraArchitecture.ElectraForPreTraining, "test"));
        string text = string.Join(" ", Enumerable.Repeat(Seed, 3));   // 27 tokens, windows of 10
        var r = small.Run(text);
        Assert.Equal(29, r.Tokens.Length);
        Assert.Equal(27, r.Words.Length);
        // Token 14 (0-based among text tokens) has the most context in window 5..15 (size 10, step 5): run that window alone.
        var tok = small.Pipeline.Tokenizer;
        var ids = tok.TokenizeToIds(text);
        var window = new[] { tok.ClsTokenId }.Concat(ids.Skip(10).Take(10)).Append(tok.SepTokenId).ToArray();
        var alone = small.Pipeline.Model.Forward(ModelInputs.FromIds([window])).Logits!.Span;
        Assert.Equal(1 / (1 + Math.Exp(-alone[14 - 10 + 1])), r.Tokens[14 + 1].Score, 6);
    }

    [Fact]
    public void GeneratorTopFiveForTheSeedIsTheModelCards()
    {
        var r = demo.Fill.Run("the quick brown fox [MASK] over the lazy dog.");
        Assert.Equal(["the", ",", ".", "a", "and"], Assert.Single(r.Masks).Candidates.Select(c => c.TokenStr));
        Assert.Equal("the quick brown fox the over the lazy dog.", r.Masks[0].Candidates[0].Sequence);
    }

    [Fact]
    public void FillMaskProbabilitiesMatchTransformersReferenceLogits()
    {
        var fixture = FixtureCase.Load(SharedData.CaseFolder("models/electra-tiny-rtd/generator"));
        var (texts, rows) = ReferenceTexts(fixture);
        var results = demo.Fill.Run(texts, new FillMaskOptions(TopK: 3));
        var logits = fixture.Reference()["logits"];
        int seq = logits.Shape[1], vocab = logits.Shape[2];
        int mask = demo.Fill.Pipeline.Tokenizer.MaskTokenId!.Value;
        for (int r = 0; r < texts.Length; r++)
        {
            var positions = Enumerable.Range(0, rows[r].Length).Where(t => rows[r][t] == mask).ToArray();
            Assert.Equal(positions, results[r].Masks.Select(m => m.Position));
            foreach (var m in results[r].Masks)
            {
                var row = logits.Span.Slice((r * seq + m.Position) * vocab, vocab);
                double max = double.NegativeInfinity, sum = 0;
                foreach (var x in row) max = Math.Max(max, x);
                foreach (var x in row) sum += Math.Exp(x - max);
                int best = 0;
                for (int v = 1; v < vocab; v++) if (row[v] > row[best]) best = v;
                Assert.Equal(best, m.Candidates[0].Token);
                foreach (var c in m.Candidates)
                    Assert.True(Math.Abs(Math.Exp(row[c.Token] - max) / sum - c.Score) <= 1e-5, $"row {r} mask {m.Position} token {c.Token}");
            }
        }
    }

    [Fact]
    public void FillMaskWithoutAMaskIsAnInputError()
    {
        var ex = Assert.Throws<InputException>(() => demo.Fill.Run(["a [MASK] here", "no mask here"]));
        Assert.Contains("input 1", ex.Message);
        Assert.Contains("[MASK]", ex.Message);
    }

    [Fact]
    public void PipelinesRefuseTheWrongHead()
    {
        var ex = Assert.Throws<ConfigException>(() => new FillMask(demo.Detect.Pipeline));
        Assert.Contains("ElectraForMaskedLM", ex.Message);
    }

    [Fact]
    public void ConcurrentCallsGiveTheSameAnswers()
    {
        var expected = demo.Detect.Run(Seed).Tokens.Select(t => t.Score).ToArray();
        var all = Enumerable.Range(0, 8).AsParallel().WithDegreeOfParallelism(4)
            .Select(_ => demo.Detect.Run(Seed).Tokens.Select(t => t.Score).ToArray()).ToList();
        Assert.All(all, scores => Assert.Equal(expected, scores));
    }

    /// <summary>The reference rows' texts (decoded), checked to tokenize back to the same ids.</summary>
    private (string[] Texts, int[][] Rows) ReferenceTexts(FixtureCase fixture)
    {
        var inputs = fixture.Inputs();
        var tok = demo.Detect.Pipeline.Tokenizer;
        int rows = inputs.InputIds!.Shape[0], seq = inputs.InputIds.Shape[1];
        var texts = new string[rows];
        var ids = new int[rows][];
        for (int r = 0; r < rows; r++)
        {
            ids[r] = Enumerable.Range(0, seq).Where(t => inputs.AttentionMask!.Span[r * seq + t] == 1)
                .Select(t => inputs.InputIds.Span[r * seq + t]).ToArray();
            texts[r] = tok.Decode(ids[r][1..^1]);
            var again = tok.Encode(texts[r]).InputIds;
            Assert.True(again.SequenceEqual(ids[r]), $"row {r}: '{texts[r]}' does not tokenize back to the reference ids");
        }
        return (texts, ids);
    }
}
