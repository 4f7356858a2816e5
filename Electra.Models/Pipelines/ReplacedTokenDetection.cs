using System.Collections.Immutable;
using Electra.Core.Backend;
using Electra.Tokenizer;

namespace Electra.Models.Pipelines;

/// <summary>A token with the discriminator's probability that it was replaced.</summary>
/// <param name="Token">The word piece (e.g. "##ing") or special token ([CLS], [SEP]).</param>
/// <param name="Id">Its vocabulary id.</param>
/// <param name="Start">Character offset in the text; special tokens have (0, 0).</param>
/// <param name="End">Character offset just after the token's last character.</param>
/// <param name="IsSpecial">Whether it is a special token added around the text.</param>
/// <param name="Score">The sigmoid of the discriminator's logit: the probability, 0 to 1, that it was replaced.</param>
public sealed record ScoredToken(string Token, int Id, int Start, int End, bool IsSpecial, double Score);

/// <summary>
/// A word of the basic tokenizer with its character span and the largest probability among its tokens (NaN when any
/// of its tokens scored NaN: the word's score is then unknown, not the maximum of the rest).
/// </summary>
public sealed record ScoredWord(string Word, int Start, int End, double Score);

/// <summary>Replaced-token detection for one text: every token (special tokens included) and every word.</summary>
public sealed record ReplacedTokenResult(string Text, ImmutableArray<ScoredToken> Tokens, ImmutableArray<ScoredWord> Words)
{
    /// <summary>
    /// The word most likely to have been replaced, or null for a text without words. A NaN score (from non-finite
    /// weights or activations) says nothing, so a word scored NaN is never the one named; when every word is NaN,
    /// none is.
    /// </summary>
    public ScoredWord? MostLikelyReplaced =>
        Words.IsDefaultOrEmpty ? null : Words.Where(w => !double.IsNaN(w.Score)).MaxBy(w => w.Score);
}

/// <summary>
/// ELECTRA's own task with the discriminator (<c>ElectraForPreTraining</c>): the probability that each token was
/// replaced (sigmoid of its logit), and per word the maximum over the word's tokens. Texts longer than the model's
/// window are split into the tokenizer's overlapping windows; each token is scored in the window where it has the
/// most context.
/// </summary>
/// <example><code>
/// using var backend = new CpuBackend();
/// var detect = ReplacedTokenDetection.Load("models/electra-tiny-rtd/discriminator", backend);
/// var result = detect.Run("The quick brown fox fake over the lazy dog");   // result.MostLikelyReplaced.Word == "fake"
/// </code></example>
public sealed class ReplacedTokenDetection
{
    public PipelineModel Pipeline { get; }

    public ReplacedTokenDetection(PipelineModel pipeline) =>
        Pipeline = pipeline.For(ElectraArchitecture.ElectraForPreTraining, "replaced-token detection");

    public static ReplacedTokenDetection Load(string modelDirectory, IBackend backend, PipelineSettings? settings = null) =>
        new(PipelineModel.Load(modelDirectory, backend, ElectraArchitecture.ElectraForPreTraining, "replaced-token detection", settings));

    public ReplacedTokenResult Run(string text) => Run([text])[0];

    public ImmutableArray<ReplacedTokenResult> Run(IReadOnlyList<string> texts) => Prepare(texts).Run();

    /// <summary>
    /// The call split at its forward pass (see <see cref="PipelineWork"/>): each text is tokenized once, into the
    /// tokenizer's overlapping windows of at most the model's length (half a window of stride), with its words.
    /// </summary>
    public PipelineWork<ImmutableArray<ReplacedTokenResult>> Prepare(IReadOnlyList<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var p = Pipeline;
        int stride = (p.MaxLength - 2) / 2;
        var encode = new EncodeOptions
        {
            Truncation = TruncationStrategy.OnlyFirst, TruncationSide = Side.Right, MaxLength = p.MaxLength, Stride = stride,
            ReturnWords = true,
        };
        var windows = new ImmutableArray<BertEncoding>[texts.Count];
        var rows = new List<TokenRow>();
        for (int i = 0; i < texts.Count; i++)
        {
            windows[i] = p.Tokenizer.EncodeWindows(texts[i] ?? throw new ArgumentNullException(nameof(texts), $"text {i} is null"), null, encode);
            foreach (var window in windows[i]) rows.Add(TokenRow.Of(window));
        }
        return p.Work(rows, p.TokenForward, outputs =>
        {
            var results = ImmutableArray.CreateBuilder<ReplacedTokenResult>(texts.Count);
            for (int i = 0, at = 0; i < texts.Count; at += windows[i].Length, i++)
                results.Add(Score(texts[i], windows[i], outputs.AsSpan(at, windows[i].Length).ToArray(), stride));
            return results.MoveToImmutable();
        });
    }

    /// <summary>
    /// The post-processing alone. <paramref name="windows"/> are one text's encodings as
    /// <see cref="BertTokenizer.EncodeWindows"/> cuts them (special tokens added, words returned, each window's text
    /// tokens starting <paramref name="stride"/> before the end of the previous full window), and
    /// <paramref name="windowLogits"/> holds one discriminator logit per token of each. Every text token is scored in
    /// the window where it has the most context, [CLS] in the first window and [SEP] in the last.
    /// </summary>
    /// <exception cref="ArgumentException">no windows, or logits that do not match the windows' lengths.</exception>
    public static ReplacedTokenResult Score(string text, IReadOnlyList<BertEncoding> windows, IReadOnlyList<ReadOnlyMemory<float>> windowLogits,
        int stride)
    {
        if (windows.Count == 0 || windowLogits.Count != windows.Count)
            throw new ArgumentException($"expected one row of logits per window, got {windowLogits.Count} for {windows.Count} windows");
        for (int k = 0; k < windows.Count; k++)
            if (windowLogits[k].Length != windows[k].Length)
                throw new ArgumentException($"window {k}: expected {windows[k].Length} logits ([CLS] + tokens + [SEP]), got {windowLogits[k].Length}");
        // Window k holds text tokens k · step onwards, where a full window holds Length − 2 of them.
        int step = windows[0].Length - 2 - stride;
        var spans = windows.Select((w, k) => new TokenWindow(k * step, k * step + w.Length - 2)).ToArray();
        int count = spans[^1].Stop;
        var best = TokenWindows.BestWindowPerToken(count, spans);
        var words = windows[0].Words;
        var wordScores = new double[words.Length];
        Array.Fill(wordScores, double.NegativeInfinity);
        var tokens = ImmutableArray.CreateBuilder<ScoredToken>(count + 2);
        tokens.Add(Special(windows[0], windowLogits[0].Span, 0));
        for (int t = 0; t < count; t++)
        {
            int k = best[t], at = t - spans[k].Start + 1;
            var e = windows[k];
            double score = PipelineMath.Sigmoid(windowLogits[k].Span[at]);
            tokens.Add(new ScoredToken(e.Tokens[at], e.InputIds[at], e.Offsets[at].Start, e.Offsets[at].End, false, score));
            // Math.Max propagates NaN: one unknown token makes its word unknown.
            if (e.WordIds[at] is int w && w < wordScores.Length) wordScores[w] = Math.Max(wordScores[w], score);
        }
        tokens.Add(Special(windows[^1], windowLogits[^1].Span, windows[^1].Length - 1));
        var scoredWords = words.Select((w, k) => new ScoredWord(w.Text, w.Start, w.End, wordScores[k])).ToImmutableArray();
        return new ReplacedTokenResult(text, tokens.MoveToImmutable(), scoredWords);
    }

    private static ScoredToken Special(BertEncoding window, ReadOnlySpan<float> logits, int at) =>
        new(window.Tokens[at], window.InputIds[at], 0, 0, true, PipelineMath.Sigmoid(logits[at]));
}
