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

    /// <summary>Score over the text encoded whole (one window), with its words.</summary>
    private static ReplacedTokenResult Score(string text, float[] logits) =>
        ReplacedTokenDetection.Score(text, [Tokenizer.Encode(text, null, new EncodeOptions { ReturnWords = true })], [logits], stride: 0);

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
        var r = Score(text, logits);

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
        var r = Score(text, logits);
        Assert.True(double.IsNaN(r.Words[0].Score));
        Assert.Equal("sat", r.MostLikelyReplaced!.Word);

        Array.Fill(logits, float.NaN);
        r = Score(text, logits);
        Assert.All(r.Words, w => Assert.True(double.IsNaN(w.Score)));
        Assert.Null(r.MostLikelyReplaced);
    }

    [Fact]
    public void WindowsAreMergedFromTheWindowWithTheMostContext()
    {
        // Nine one-piece words in windows of 4 text tokens with stride 2: tokens 0-3, 2-5, 4-7, 6-8.
        const string text = "a b c d e f g h i";
        var windows = Tokenizer.EncodeWindows(text, null, new EncodeOptions
        {
            Truncation = TruncationStrategy.OnlyFirst, MaxLength = 6, Stride = 2, ReturnWords = true,
        });
        Assert.Equal([6, 6, 6, 5], windows.Select(w => w.Length));
        // Each window's logit at a token is 10 · window + token: the merged logit names the window that scored it.
        var logits = windows.Select((w, k) => Enumerable.Range(0, w.Length).Select(t => 10f * k + t).ToArray()).ToArray();
        var r = ReplacedTokenDetection.Score(text, windows, logits.Select(l => (ReadOnlyMemory<float>)l).ToArray(), stride: 2);
        int[] expectedWindow = [0, 0, 0, 1, 1, 2, 2, 3, 3];   // ties go to the earlier window
        Assert.Equal(11, r.Tokens.Length);
        Assert.Equal(Sigmoid(0), r.Tokens[0].Score, 12);
        Assert.Equal(Sigmoid(30 + 4), r.Tokens[^1].Score, 12);
        for (int t = 0; t < 9; t++)
        {
            int k = expectedWindow[t];
            Assert.Equal(Sigmoid(10 * k + t - 2 * k + 1), r.Tokens[t + 1].Score, 12);
            Assert.Equal(((char)('a' + t)).ToString(), r.Words[t].Word);
            Assert.Equal((2 * t, 2 * t + 1), (r.Tokens[t + 1].Start, r.Tokens[t + 1].End));
        }
    }
}
