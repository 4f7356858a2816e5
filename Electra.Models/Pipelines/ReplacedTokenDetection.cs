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
/// window are split into overlapping windows; each token is scored in the window where it has the most context.
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

    /// <summary>The call split at its forward pass (see <see cref="PipelineWork"/>); texts are tokenized and windowed here.</summary>
    public PipelineWork<ImmutableArray<ReplacedTokenResult>> Prepare(IReadOnlyList<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var p = Pipeline;
        int size = p.MaxLength - 2;
        var encodings = new BertEncoding[texts.Count];
        var windows = new IReadOnlyList<TokenWindow>[texts.Count];
        var rows = new List<TokenRow>();
        var firstRow = new int[texts.Count];
        for (int i = 0; i < texts.Count; i++)
        {
            encodings[i] = p.EncodePlain(texts[i]);
            windows[i] = TokenWindows.Split(encodings[i].Length, size, size / 2);
            firstRow[i] = rows.Count;
            var ids = encodings[i].InputIds.AsSpan();
            foreach (var w in windows[i])
                rows.Add(TokenRow.Single(p.Tokenizer.ClsTokenId, ids[w.Start..w.Stop], p.Tokenizer.SepTokenId));
        }
        return new(p, rows, [new OutputSpec("logits", PerToken: true)], outputs =>
        {
            var results = ImmutableArray.CreateBuilder<ReplacedTokenResult>(texts.Count);
            for (int i = 0; i < texts.Count; i++)
            {
                var windowLogits = Enumerable.Range(firstRow[i], windows[i].Count).Select(r => outputs[r][0]).ToArray();
                var logits = MergeWindows(encodings[i].Length, windows[i], windowLogits);
                results.Add(Score(texts[i], encodings[i], logits, p.Tokenizer.BasicTokenize(texts[i]), p.Tokenizer));
            }
            return results.MoveToImmutable();
        });
    }

    /// <summary>
    /// Per-window logits (each <c>[CLS] window [SEP]</c>) → one logit per position of <c>[CLS] text [SEP]</c>:
    /// text tokens from their best-context window, [CLS] from the first window, [SEP] from the last.
    /// </summary>
    public static float[] MergeWindows(int tokenCount, IReadOnlyList<TokenWindow> windows, IReadOnlyList<float[]> windowLogits)
    {
        var merged = new float[tokenCount + 2];
        var best = TokenWindows.BestWindowPerToken(tokenCount, windows);
        for (int t = 0; t < tokenCount; t++)
            merged[t + 1] = windowLogits[best[t]][t - windows[best[t]].Start + 1];
        merged[0] = windowLogits[0][0];
        merged[^1] = windowLogits[^1][windows[^1].Length + 1];
        return merged;
    }

    /// <summary>
    /// The post-processing alone: <paramref name="logits"/> holds one discriminator logit per position of
    /// <c>[CLS] tokens [SEP]</c>, where the tokens are <paramref name="plain"/> (an encoding without special tokens).
    /// </summary>
    public static ReplacedTokenResult Score(string text, BertEncoding plain, ReadOnlySpan<float> logits,
        ImmutableArray<Word> words, BertTokenizer tokenizer)
    {
        if (logits.Length != plain.Length + 2)
            throw new ArgumentException($"expected {plain.Length + 2} logits ([CLS] + {plain.Length} tokens + [SEP]), got {logits.Length}");
        var tokens = ImmutableArray.CreateBuilder<ScoredToken>(plain.Length + 2);
        tokens.Add(new ScoredToken(tokenizer.Options.ClsToken, tokenizer.ClsTokenId, 0, 0, true, PipelineMath.Sigmoid(logits[0])));
        var wordScores = new double[words.Length];
        Array.Fill(wordScores, double.NegativeInfinity);
        for (int t = 0; t < plain.Length; t++)
        {
            double score = PipelineMath.Sigmoid(logits[t + 1]);
            var o = plain.Offsets[t];
            tokens.Add(new ScoredToken(plain.Tokens[t], plain.InputIds[t], o.Start, o.End, false, score));
            // Math.Max propagates NaN: one unknown token makes its word unknown.
            if (plain.WordIds[t] is int w && w < wordScores.Length) wordScores[w] = Math.Max(wordScores[w], score);
        }
        tokens.Add(new ScoredToken(tokenizer.Options.SepToken, tokenizer.SepTokenId, 0, 0, true, PipelineMath.Sigmoid(logits[^1])));
        var scoredWords = words.Select((w, k) => new ScoredWord(w.Text, w.Start, w.End, wordScores[k])).ToImmutableArray();
        return new ReplacedTokenResult(text, tokens.MoveToImmutable(), scoredWords);
    }
}
