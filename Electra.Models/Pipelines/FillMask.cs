using System.Collections.Immutable;
using Electra.Core.Backend;
using Electra.Core.Errors;
using Electra.Tokenizer;

namespace Electra.Models.Pipelines;

/// <summary>transformers' fill-mask options: <c>top_k</c> (5) and optional <c>targets</c>.</summary>
/// <param name="TopK">Candidates per mask; fewer when fewer targets are given.</param>
/// <param name="Targets">
/// Score only these tokens. A target missing from the vocabulary is replaced by the first word piece of its
/// tokenization, as transformers does (and dropped when it has none).
/// </param>
public sealed record FillMaskOptions(int TopK = 5, IReadOnlyList<string>? Targets = null)
{
    public static FillMaskOptions Default { get; } = new();
}

/// <summary>One proposal for a mask: transformers' <c>{"score", "token", "token_str", "sequence"}</c>.</summary>
/// <param name="Score">The softmax probability of <paramref name="Token"/> at the mask, over the whole vocabulary.</param>
/// <param name="Token">The vocabulary id proposed.</param>
/// <param name="TokenStr">That token decoded alone (e.g. "jumps").</param>
/// <param name="Sequence">The input with this mask filled (decoded; with several masks the others stay [MASK]).</param>
public sealed record FillMaskCandidate(double Score, int Token, string TokenStr, string Sequence);

/// <summary>The candidates for the mask at token <paramref name="Position"/>, best first.</summary>
public sealed record MaskPrediction(int Position, ImmutableArray<FillMaskCandidate> Candidates);

/// <summary>Fill-mask for one text: one prediction per [MASK], in text order.</summary>
public sealed record FillMaskResult(string Text, ImmutableArray<MaskPrediction> Masks);

/// <summary>
/// transformers' fill-mask pipeline with a generator (<c>ElectraForMaskedLM</c>): the softmax over the vocabulary at
/// each [MASK], the top_k tokens (or the given targets, scored with their full-vocabulary probability), and the
/// filled sequence.
/// </summary>
/// <example><code>
/// var fill = FillMask.Load("models/electra-tiny-rtd/generator", backend);
/// var best = fill.Run("the quick brown fox [MASK] over the lazy dog.").Masks[0].Candidates[0].TokenStr;
/// </code></example>
public sealed class FillMask : TextPipeline<FillMaskOptions, FillMaskResult>
{
    public FillMask(PipelineModel pipeline) : base(pipeline, ElectraArchitecture.ElectraForMaskedLM, "fill-mask")
    {
        if (pipeline.Tokenizer.MaskTokenId is null)
            throw new ConfigException($"fill-mask needs a mask token, but the vocabulary has no '{pipeline.Tokenizer.Options.MaskToken}'");
    }

    public static FillMask Load(string modelDirectory, IBackend backend, PipelineSettings? settings = null) =>
        new(PipelineModel.Load(modelDirectory, backend, ElectraArchitecture.ElectraForMaskedLM, "fill-mask", settings));

    /// <summary>The call split at its forward pass (see <see cref="PipelineWork"/>); texts are tokenized and checked here.</summary>
    /// <exception cref="InputException">a text has no [MASK], is longer than the model's window, or no target is usable.</exception>
    public override PipelineWork<ImmutableArray<FillMaskResult>> Prepare(IReadOnlyList<string> texts, FillMaskOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var o = options ?? FillMaskOptions.Default;
        if (o.TopK < 1) throw new InputException($"top_k must be at least 1, got {o.TopK}");
        var p = Pipeline;
        ImmutableArray<int>? targets = o.Targets is null ? null : TargetIds(p.Tokenizer, o.Targets);
        int mask = p.Tokenizer.MaskTokenId!.Value;
        var rows = new TokenRow[texts.Count];
        for (int i = 0; i < texts.Count; i++)
        {
            var encoding = p.Tokenizer.Encode(texts[i] ?? throw new ArgumentNullException(nameof(texts), $"text {i} is null"));
            if (!encoding.InputIds.Contains(mask))
                throw new InputException($"input {i}: no mask token ({p.Tokenizer.Options.MaskToken}) found in \"{Shorten(texts[i])}\"");
            if (encoding.Length > p.MaxLength)
                throw new InputException($"input {i}: {encoding.Length} tokens, but the model takes at most {p.MaxLength}");
            rows[i] = TokenRow.Of(encoding);
        }
        return p.Work(rows, p.TokenForward, outputs =>
        {
            var results = ImmutableArray.CreateBuilder<FillMaskResult>(texts.Count);
            for (int i = 0; i < texts.Count; i++)
                results.Add(Postprocess(texts[i], rows[i].InputIds, outputs[i].Span, p.Model.Config.VocabSize, p.Tokenizer, o.TopK, targets));
            return results.MoveToImmutable();
        });
    }

    /// <summary>
    /// The post-processing alone: <paramref name="logits"/> is [ids.Length, vocabSize] for the row
    /// <paramref name="inputIds"/> (special tokens included).
    /// </summary>
    public static FillMaskResult Postprocess(string text, int[] inputIds, ReadOnlySpan<float> logits, int vocabSize,
        BertTokenizer tokenizer, int topK, ImmutableArray<int>? targetIds = null)
    {
        if (logits.Length != inputIds.Length * vocabSize)
            throw new ArgumentException($"expected {inputIds.Length} × {vocabSize} logits, got {logits.Length}");
        int mask = tokenizer.MaskTokenId ?? throw new ConfigException("the tokenizer has no mask token");
        var positions = Enumerable.Range(0, inputIds.Length).Where(t => inputIds[t] == mask).ToArray();
        bool singleMask = positions.Length == 1;
        if (targetIds is { } t0 && t0.Length < topK) topK = t0.Length;
        var masks = ImmutableArray.CreateBuilder<MaskPrediction>(positions.Length);
        foreach (var position in positions)
        {
            var probs = PipelineMath.Softmax(logits.Slice(position * vocabSize, vocabSize));
            double[] candidates = targetIds is { } t ? t.Select(id => probs[id]).ToArray() : probs;
            var picked = PipelineMath.TopK(candidates, topK);
            var list = ImmutableArray.CreateBuilder<FillMaskCandidate>(picked.Length);
            foreach (var k in picked)
            {
                int token = targetIds is { } tt ? tt[k] : k;
                var filled = (int[])inputIds.Clone();
                filled[position] = token;
                var kept = filled.Where(id => id != tokenizer.PadTokenId).ToArray();
                list.Add(new FillMaskCandidate(candidates[k], token, tokenizer.Decode([token]),
                    tokenizer.Decode(kept, skipSpecialTokens: singleMask)));
            }
            masks.Add(new MaskPrediction(position, list.MoveToImmutable()));
        }
        return new FillMaskResult(text, masks.MoveToImmutable());
    }

    /// <summary>transformers' get_target_ids: vocabulary ids of the targets, first occurrence order, duplicates removed.</summary>
    /// <exception cref="InputException">no target maps to a token.</exception>
    public static ImmutableArray<int> TargetIds(BertTokenizer tokenizer, IReadOnlyList<string> targets)
    {
        var ids = new List<int>();
        foreach (var target in targets)
        {
            int? id = tokenizer.Vocabulary.IdOf(target);
            if (id is null)
            {
                var pieces = tokenizer.TokenizeToIds(target);
                if (pieces.Length == 0) continue;
                id = pieces[0];
            }
            if (!ids.Contains(id.Value)) ids.Add(id.Value);
        }
        if (ids.Count == 0) throw new InputException("at least one target must be a token (or start with one) of the vocabulary");
        return ids.ToImmutableArray();
    }

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..57] + "...";
}
