using System.Collections.Immutable;

namespace Electra.Tokenizer;

/// <summary>
/// Character span of a token in the original string: UTF-16 indices into the .NET string that was encoded,
/// <c>[Start, End)</c>. Special and padding tokens have (0, 0), like the fast tokenizer's offset_mapping.
/// </summary>
public readonly record struct TokenOffset(int Start, int End)
{
    public int Length => End - Start;
}

/// <summary>A word of the basic tokenizer (after cleaning, lower-casing, accent stripping and punctuation splitting), with its span in the original string.</summary>
public readonly record struct Word(string Text, int Start, int End);

/// <summary>
/// One encoded input: what transformers' tokenizer returns for one text or pair (input_ids, token_type_ids,
/// attention_mask), plus the fast tokenizer's offsets, word ids and sequence ids, and the slow tokenizer's
/// overflowing_tokens / num_truncated_tokens.
/// </summary>
/// <param name="Tokens">Token strings, special and padding tokens included.</param>
/// <param name="InputIds">Vocabulary ids.</param>
/// <param name="TokenTypeIds">0 for the first sequence (with [CLS] and its [SEP]), the pair type id for the second.</param>
/// <param name="AttentionMask">1 for real tokens, 0 for padding.</param>
/// <param name="SpecialTokensMask">1 for special and padding tokens, 0 for text tokens.</param>
/// <param name="Offsets">Span of each token in its own input string (the first text or the pair); (0,0) for special tokens.</param>
/// <param name="WordIds">Index of the word (within its sequence) each token came from; null for special tokens.</param>
/// <param name="SequenceIds">0 or 1 for tokens of the first or second text; null for special tokens.</param>
/// <param name="OverflowingTokens">Ids cut off by truncation, with <c>stride</c> ids of context before them (transformers' slow overflowing_tokens).</param>
/// <param name="NumTruncatedTokens">Length with special tokens before truncation minus max_length; negative when nothing had to be cut, 0 when not truncating.</param>
public sealed record BertEncoding(
    ImmutableArray<string> Tokens,
    ImmutableArray<int> InputIds,
    ImmutableArray<int> TokenTypeIds,
    ImmutableArray<int> AttentionMask,
    ImmutableArray<int> SpecialTokensMask,
    ImmutableArray<TokenOffset> Offsets,
    ImmutableArray<int?> WordIds,
    ImmutableArray<int?> SequenceIds,
    ImmutableArray<int> OverflowingTokens,
    int NumTruncatedTokens)
{
    /// <summary>Number of tokens, padding included.</summary>
    public int Length => InputIds.Length;

    /// <summary>
    /// The first text's words (normalised as the basic tokenizer leaves them: lower-cased, accents stripped), indexed
    /// by <see cref="WordIds"/>; every word of the text, also those a window or truncation leaves out. Empty unless
    /// the encoding was asked for them (<see cref="EncodeOptions.ReturnWords"/>).
    /// </summary>
    public ImmutableArray<Word> Words { get; init; } = ImmutableArray<Word>.Empty;

    /// <summary>The second text's words, as <see cref="Words"/>; empty without a pair or unless asked for.</summary>
    public ImmutableArray<Word> PairWords { get; init; } = ImmutableArray<Word>.Empty;
}
