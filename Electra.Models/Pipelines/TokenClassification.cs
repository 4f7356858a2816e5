using System.Collections.Immutable;
using Electra.Core.Backend;
using Electra.Core.Errors;
using Electra.Tokenizer;

namespace Electra.Models.Pipelines;

/// <summary>transformers' <c>aggregation_strategy</c> for token classification.</summary>
public enum AggregationStrategy
{
    /// <summary>One entity per token.</summary>
    None,
    /// <summary>Adjacent tokens with the same tag (B-/I- aware) are grouped.</summary>
    Simple,
    /// <summary>Words take the label of their first token, then are grouped.</summary>
    First,
    /// <summary>Words take the label of the average of their tokens' scores, then are grouped.</summary>
    Average,
    /// <summary>Words take the label of their token with the highest score, then are grouped.</summary>
    Max,
}

/// <summary>transformers' token-classification options.</summary>
/// <param name="AggregationStrategy">How tokens are merged into words and entities; <see cref="Pipelines.AggregationStrategy.None"/>
/// (one entity per token) by default.</param>
/// <param name="IgnoreLabels">Labels (or entity groups) left out of the result; null means transformers' default ["O"].</param>
public sealed record TokenClassificationOptions(
    AggregationStrategy AggregationStrategy = AggregationStrategy.None,
    IReadOnlyList<string>? IgnoreLabels = null)
{
    public static TokenClassificationOptions Default { get; } = new();
}

/// <summary>
/// An entity: with aggregation none, one token (<see cref="Index"/> set, transformers' key "entity"); otherwise a group
/// of tokens or words (<see cref="Index"/> null, transformers' key "entity_group").
/// </summary>
/// <param name="Entity">The label (e.g. "B-PER"); for a group, the entity group without its B-/I- prefix (e.g. "PER").</param>
/// <param name="Score">The softmax probability of that label, 0 to 1; for a group, the mean of its members' scores
/// (tokens, or words scored as the aggregation strategy says).</param>
/// <param name="Index">The token's position in the encoded input ([CLS] is 0); null for a group.</param>
/// <param name="Word">The word piece (the original text for [UNK]); for a group, its tokens joined back into text.</param>
/// <param name="Start">Character offset of the first character in the text.</param>
/// <param name="End">Character offset just after the last character.</param>
public sealed record TokenEntity(string Entity, double Score, int? Index, string Word, int Start, int End)
{
    public bool IsGroup => Index is null;
}

/// <summary>The entities of one text.</summary>
public sealed record TokenClassificationResult(string Text, ImmutableArray<TokenEntity> Entities);

/// <summary>
/// transformers' token-classification (NER) pipeline with <c>ElectraForTokenClassification</c>: softmax per token,
/// then aggregation and filtering exactly as transformers' TokenClassificationPipeline. Texts longer than the model's
/// window are truncated, as transformers does.
/// </summary>
/// <example><code>
/// var ner = TokenClassification.Load("my-ner-model", backend);
/// var entities = ner.Run("George Washington went to Washington", new TokenClassificationOptions(AggregationStrategy.Simple)).Entities;
/// </code></example>
public sealed class TokenClassification(PipelineModel pipeline)
    : TextPipeline<TokenClassificationOptions, TokenClassificationResult>(pipeline, ElectraArchitecture.ElectraForTokenClassification, "token classification")
{
    private static readonly ImmutableArray<string> DefaultIgnore = ["O"];

    public static TokenClassification Load(string modelDirectory, IBackend backend, PipelineSettings? settings = null) =>
        new(PipelineModel.Load(modelDirectory, backend, ElectraArchitecture.ElectraForTokenClassification, "token classification", settings));

    /// <inheritdoc/>
    public override PipelineWork<ImmutableArray<TokenClassificationResult>> Prepare(IReadOnlyList<string> texts, TokenClassificationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var o = options ?? TokenClassificationOptions.Default;
        var p = Pipeline;
        var encode = new EncodeOptions { Truncation = TruncationStrategy.LongestFirst, MaxLength = p.MaxLength };
        var encodings = texts.Select(t => p.Tokenizer.Encode(t ?? throw new ArgumentNullException(nameof(texts)), null, encode)).ToArray();
        var rows = encodings.Select(e => TokenRow.Of(e)).ToList();
        return p.Work(rows, p.TokenForward, outputs =>
            texts.Select((t, i) => new TokenClassificationResult(t,
                Postprocess(t, encodings[i], outputs[i].Span, p.Model.Config.Id2Label, p.Tokenizer.UnkTokenId, o))).ToImmutableArray());
    }

    /// <summary>
    /// The post-processing alone: <paramref name="logits"/> is [encoding.Length, numLabels] for
    /// <paramref name="encoding"/> of <paramref name="sentence"/> (special tokens marked in its SpecialTokensMask).
    /// </summary>
    public static ImmutableArray<TokenEntity> Postprocess(string sentence, BertEncoding encoding, ReadOnlySpan<float> logits,
        IReadOnlyDictionary<int, string> id2Label, int unkTokenId, TokenClassificationOptions options)
    {
        int labels = encoding.Length == 0 ? 0 : logits.Length / encoding.Length;
        if (labels == 0 || labels * encoding.Length != logits.Length)
            throw new ArgumentException($"expected {encoding.Length} × labels logits, got {logits.Length}");
        string Label(int i) => id2Label.TryGetValue(i, out var name) ? name : $"LABEL_{i}";
        var pre = new List<PreEntity>();
        for (int t = 0; t < encoding.Length; t++)
        {
            if (encoding.SpecialTokensMask[t] != 0) continue;
            var scores = PipelineMath.Softmax(logits.Slice(t * labels, labels));
            var (start, end) = (encoding.Offsets[t].Start, encoding.Offsets[t].End);
            string wordRef = sentence[start..end];
            string word = encoding.Tokens[t];
            // A word piece that is longer or shorter than its span carries the "##" prefix: a subword.
            bool isSubword = word.Length != wordRef.Length;
            if (encoding.InputIds[t] == unkTokenId)
            {
                word = wordRef;
                isSubword = false;
            }
            pre.Add(new PreEntity(word, scores, start, end, t, isSubword));
        }
        var strategy = options.AggregationStrategy;
        List<TokenEntity> entities;
        if (strategy is AggregationStrategy.None or AggregationStrategy.Simple)
        {
            entities = pre.Select(e =>
            {
                int k = PipelineMath.ArgMax(e.Scores);
                return new TokenEntity(Label(k), e.Scores[k], e.Index, e.Word, e.Start, e.End);
            }).ToList();
        }
        else entities = AggregateWords(pre, strategy, Label);
        if (strategy != AggregationStrategy.None) entities = GroupEntities(entities);
        var ignore = options.IgnoreLabels ?? DefaultIgnore;
        return entities.Where(e => !ignore.Contains(e.Entity)).ToImmutableArray();
    }

    private sealed record PreEntity(string Word, double[] Scores, int Start, int End, int Index, bool IsSubword);

    private static List<TokenEntity> AggregateWords(List<PreEntity> pre, AggregationStrategy strategy, Func<int, string> label)
    {
        var words = new List<TokenEntity>();
        var group = new List<PreEntity>();
        foreach (var e in pre)
        {
            if (group.Count > 0 && !e.IsSubword)
            {
                words.Add(AggregateWord(group, strategy, label));
                group.Clear();
            }
            group.Add(e);
        }
        if (group.Count > 0) words.Add(AggregateWord(group, strategy, label));
        return words;
    }

    private static TokenEntity AggregateWord(List<PreEntity> tokens, AggregationStrategy strategy, Func<int, string> label)
    {
        string word = TokensToString(tokens.Select(t => t.Word));
        double[] scores = strategy switch
        {
            AggregationStrategy.First => tokens[0].Scores,
            // The first token whose best score is the largest (Python's max keeps the first).
            AggregationStrategy.Max => tokens.Aggregate((best, t) => t.Scores.Max() > best.Scores.Max() ? t : best).Scores,
            AggregationStrategy.Average => Enumerable.Range(0, tokens[0].Scores.Length)
                .Select(k => tokens.Average(t => t.Scores[k])).ToArray(),
            _ => throw new ArgumentOutOfRangeException(nameof(strategy), "none and simple do not aggregate words"),
        };
        int best = PipelineMath.ArgMax(scores);
        return new TokenEntity(label(best), scores[best], null, word, tokens[0].Start, tokens[^1].End);
    }

    /// <summary>transformers' group_entities: adjacent entities with the same tag merge unless the next one is a B- tag.</summary>
    private static List<TokenEntity> GroupEntities(List<TokenEntity> entities)
    {
        var groups = new List<TokenEntity>();
        var current = new List<TokenEntity>();
        foreach (var e in entities)
        {
            if (current.Count > 0)
            {
                var (bi, tag) = Tag(e.Entity);
                var (_, lastTag) = Tag(current[^1].Entity);
                if (!(tag == lastTag && bi != "B"))
                {
                    groups.Add(GroupSubEntities(current));
                    current.Clear();
                }
            }
            current.Add(e);
        }
        if (current.Count > 0) groups.Add(GroupSubEntities(current));
        return groups;
    }

    private static TokenEntity GroupSubEntities(List<TokenEntity> entities)
    {
        string group = entities[0].Entity.Split('-')[^1];
        return new TokenEntity(group, entities.Average(e => e.Score), null, TokensToString(entities.Select(e => e.Word)),
            entities[0].Start, entities[^1].End);
    }

    private static (string Bi, string Tag) Tag(string entity) =>
        entity.StartsWith("B-", StringComparison.Ordinal) ? ("B", entity[2..])
        : entity.StartsWith("I-", StringComparison.Ordinal) ? ("I", entity[2..])
        : ("I", entity);

    /// <summary>BERT's convert_tokens_to_string: " ".join(tokens).replace(" ##", "").strip().</summary>
    public static string TokensToString(IEnumerable<string> tokens) =>
        string.Join(" ", tokens).Replace(" ##", "", StringComparison.Ordinal).Trim();
}
