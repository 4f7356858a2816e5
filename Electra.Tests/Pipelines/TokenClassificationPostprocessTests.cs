using System.Collections.Immutable;
using Electra.Models.Pipelines;
using Electra.Tokenizer;

namespace Electra.Tests.Pipelines;

/// <summary>
/// transformers' token-classification aggregation on hand-made logits for "Microsoft is in Seattle" tokenized as
/// [CLS] micro ##soft is in seattle [SEP] (labels O, B-ORG, I-ORG, B-LOC).
/// </summary>
public sealed class TokenClassificationPostprocessTests
{
    private const string Sentence = "Microsoft is in Seattle";
    private static readonly ImmutableSortedDictionary<int, string> Labels =
        ImmutableSortedDictionary<int, string>.Empty.Add(0, "O").Add(1, "B-ORG").Add(2, "I-ORG").Add(3, "B-LOC");
    private static readonly BertTokenizer Tok = TinyVocab.Of("micro", "##soft", "is", "in", "seattle");
    private static readonly BertEncoding Enc = TinyVocab.Encoding(Tok,
        ("micro", 0, 5, 0), ("##soft", 5, 9, 0), ("is", 10, 12, 1), ("in", 13, 15, 2), ("seattle", 16, 23, 3));

    /// <summary>Softmax probability of the label with logit <paramref name="hot"/> when the other three are 0.</summary>
    private static double P(double hot) => Math.Exp(hot) / (Math.Exp(hot) + 3);
    private static double Q(double hot) => 1 / (Math.Exp(hot) + 3);

    private static float[] Logits(params (int Label, float Value)[] perToken)
    {
        var logits = new float[Enc.Length * 4];
        for (int t = 0; t < perToken.Length; t++) logits[(t + 1) * 4 + perToken[t].Label] = perToken[t].Value;
        return logits;
    }

    // micro: B-ORG 4, ##soft: I-ORG 2, is: O 5, in: O 5, seattle: B-LOC 3
    private static readonly float[] Clear = Logits((1, 4), (2, 2), (0, 5), (0, 5), (3, 3));

    private static ImmutableArray<TokenEntity> Run(float[] logits, AggregationStrategy s, IReadOnlyList<string>? ignore = null) =>
        TokenClassification.Postprocess(Sentence, Enc, logits, Labels, Tok.UnkTokenId, new TokenClassificationOptions(s, ignore));

    [Fact]
    public void NoneGivesOneEntityPerTokenWithoutTheIgnoredLabel()
    {
        var e = Run(Clear, AggregationStrategy.None);
        Assert.Equal(["B-ORG", "I-ORG", "B-LOC"], e.Select(x => x.Entity));
        Assert.Equal(["micro", "##soft", "seattle"], e.Select(x => x.Word));
        Assert.Equal([1, 2, 5], e.Select(x => x.Index!.Value));
        Assert.Equal((16, 23), (e[2].Start, e[2].End));
        Assert.Equal(P(4), e[0].Score, 12);
        Assert.All(e, x => Assert.False(x.IsGroup));
    }

    [Fact]
    public void SimpleGroupsBThenIOfTheSameTag()
    {
        var e = Run(Clear, AggregationStrategy.Simple);
        Assert.Equal(["ORG", "LOC"], e.Select(x => x.Entity));
        Assert.Equal("microsoft", e[0].Word);
        Assert.Equal((0, 9), (e[0].Start, e[0].End));
        Assert.Equal((P(4) + P(2)) / 2, e[0].Score, 12);
        Assert.Equal(P(3), e[1].Score, 12);
        Assert.All(e, x => Assert.True(x.IsGroup));
    }

    [Fact]
    public void EmptyIgnoreListKeepsTheOGroup()
    {
        var e = Run(Clear, AggregationStrategy.Simple, []);
        Assert.Equal(["ORG", "O", "LOC"], e.Select(x => x.Entity));
        Assert.Equal("is in", e[1].Word);
        Assert.Equal((10, 15), (e[1].Start, e[1].End));
    }

    // micro says O (2), ##soft says I-ORG (5): first, max and average disagree.
    private static readonly float[] Split = Logits((0, 2), (2, 5), (0, 5), (0, 5), (3, 3));

    [Fact]
    public void FirstTakesTheWordsFirstToken()
    {
        var e = Run(Split, AggregationStrategy.First);
        Assert.Equal(["LOC"], e.Select(x => x.Entity));   // microsoft became O and is ignored
    }

    [Fact]
    public void MaxTakesTheTokenWithTheHighestScore()
    {
        var e = Run(Split, AggregationStrategy.Max);
        Assert.Equal(["ORG", "LOC"], e.Select(x => x.Entity));
        Assert.Equal("microsoft", e[0].Word);
        Assert.Equal(P(5), e[0].Score, 12);
    }

    [Fact]
    public void AverageTakesTheBestOfTheMeanScores()
    {
        var e = Run(Split, AggregationStrategy.Average);
        Assert.Equal(["ORG", "LOC"], e.Select(x => x.Entity));
        Assert.Equal((Q(2) + P(5)) / 2, e[0].Score, 12);   // I-ORG: micro's share and ##soft's
    }

    [Fact]
    public void TwoBTagsInARowStayTwoEntities()
    {
        var logits = Logits((1, 4), (1, 4), (0, 5), (0, 5), (3, 3));
        var e = Run(logits, AggregationStrategy.Simple);
        Assert.Equal(["ORG", "ORG", "LOC"], e.Select(x => x.Entity));
        // convert_tokens_to_string only glues "##" after a space, so a group of one continuation piece keeps it.
        Assert.Equal(["micro", "##soft", "seattle"], e.Select(x => x.Word));
    }

    [Fact]
    public void AnUnknownTokenShowsTheTextAndStartsAWord()
    {
        var enc = TinyVocab.Encoding(Tok, ("micro", 0, 5, 0), ("[UNK]", 5, 9, 0));
        var logits = new float[enc.Length * 4];
        logits[1 * 4 + 1] = 4;
        logits[2 * 4 + 2] = 4;
        var none = TokenClassification.Postprocess("Microsoft", enc, logits, Labels, Tok.UnkTokenId, TokenClassificationOptions.Default);
        Assert.Equal("soft", none[1].Word);
        var first = TokenClassification.Postprocess("Microsoft", enc, logits, Labels, Tok.UnkTokenId, new(AggregationStrategy.First));
        // Not a subword, so "soft" is a word of its own; B-ORG then I-ORG still group into one entity.
        Assert.Equal("micro soft", Assert.Single(first).Word);
    }
}
