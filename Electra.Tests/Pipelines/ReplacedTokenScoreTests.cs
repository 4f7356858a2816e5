using Electra.Models.Pipelines;
using Electra.Tests.Support;
using Electra.Tokenizer;

namespace Electra.Tests.Pipelines;

/// <summary>ReplacedTokenDetection's post-processing on hand-made logits, against sigmoids computed here.</summary>
public sealed class ReplacedTokenScoreTests
{
    private static readonly BertTokenizer Tokenizer = BertTokenizer.Load(
        Path.Combine(SharedData.RepoRoot, "models", "electra-tiny-rtd", "discriminator"));

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    private static (BertEncoding Plain, Word[] Words) Encode(string text) =>
        (Tokenizer.Encode(text, null, new EncodeOptions { AddSpecialTokens = false }), Tokenizer.BasicTokenize(text).ToArray());

    [Fact]
    public void AWordScoresTheLargestSigmoidOfItsTokensAndTheTopWordIsNamed()
    {
        const string text = "the cat unbelievably sat";
        var (plain, words) = Encode(text);
        Assert.Equal(4, words.Length);
        Assert.True(plain.Length > words.Length, "one word splits into several pieces");
        // [CLS], one logit per piece (rising by piece index, the split word's last piece highest), [SEP].
        var logits = new float[plain.Length + 2];
        logits[0] = 5f; logits[^1] = 6f; // special tokens never become words
        for (int t = 0; t < plain.Length; t++) logits[t + 1] = plain.WordIds[t] == 2 ? -3f + t : -1f - t;
        var r = ReplacedTokenDetection.Score(text, plain, logits, [.. words], Tokenizer);

        Assert.Equal(plain.Length + 2, r.Tokens.Length);
        Assert.True(r.Tokens[0].IsSpecial && r.Tokens[^1].IsSpecial);
        Assert.Equal(Sigmoid(5), r.Tokens[0].Score, 12);
        for (int w = 0; w < words.Length; w++)
        {
            double expected = Enumerable.Range(0, plain.Length).Where(t => plain.WordIds[t] == w).Max(t => Sigmoid(logits[t + 1]));
            Assert.Equal(expected, r.Words[w].Score, 12);
            Assert.Equal(words[w].Text, r.Words[w].Word);
        }
        Assert.Equal("unbelievably", r.MostLikelyReplaced!.Word);
    }

    [Fact]
    public void NaNScoresNeverFlagAWord()
    {
        const string text = "the cat sat";
        var (plain, words) = Encode(text);
        var logits = new float[plain.Length + 2];
        logits[1] = float.NaN;      // "the": unknown
        logits[2] = -4f;            // "cat"
        logits[3] = -2f;            // "sat": the highest known score
        var r = ReplacedTokenDetection.Score(text, plain, logits, [.. words], Tokenizer);
        Assert.True(double.IsNaN(r.Words[0].Score));
        Assert.Equal("sat", r.MostLikelyReplaced!.Word);

        Array.Fill(logits, float.NaN);
        r = ReplacedTokenDetection.Score(text, plain, logits, [.. words], Tokenizer);
        Assert.All(r.Words, w => Assert.True(double.IsNaN(w.Score)));
        Assert.Null(r.MostLikelyReplaced);
    }
}
