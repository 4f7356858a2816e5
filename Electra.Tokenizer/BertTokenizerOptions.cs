using System.Collections.Immutable;

namespace Electra.Tokenizer;

/// <summary>Which side padding or truncation applies to.</summary>
public enum Side
{
    Right,
    Left,
}

/// <summary>
/// How a BERT WordPiece tokenizer is built: the constructor arguments of transformers' <c>BertTokenizer</c>. Defaults
/// are transformers' defaults (bert-base-uncased / ELECTRA behaviour).
/// </summary>
/// <example><code>var options = BertTokenizerOptions.Default with { DoLowerCase = false };</code></example>
public sealed record BertTokenizerOptions
{
    /// <summary>Default options: lower-casing, accents stripped, CJK split, BERT special tokens.</summary>
    public static BertTokenizerOptions Default { get; } = new();

    /// <summary>Lower-case the text (and, unless <see cref="StripAccents"/> is false, strip accents).</summary>
    public bool DoLowerCase { get; init; } = true;

    /// <summary>Strip accents (NFD, drop Mn). Null: follow <see cref="DoLowerCase"/>, as transformers does.</summary>
    public bool? StripAccents { get; init; }

    /// <summary>Put every CJK ideograph in a word of its own.</summary>
    public bool TokenizeChineseChars { get; init; } = true;

    public string UnkToken { get; init; } = "[UNK]";
    public string SepToken { get; init; } = "[SEP]";
    public string PadToken { get; init; } = "[PAD]";
    public string ClsToken { get; init; } = "[CLS]";
    public string MaskToken { get; init; } = "[MASK]";

    /// <summary>Further tokens that are never split or normalised (added special tokens).</summary>
    public ImmutableArray<string> AdditionalSpecialTokens { get; init; } = ImmutableArray<string>.Empty;

    /// <summary>Words longer than this many code points (after normalisation) become one unknown token.</summary>
    public int MaxInputCharsPerWord { get; init; } = 100;

    /// <summary>Prefix of word-continuation pieces.</summary>
    public string ContinuingSubwordPrefix { get; init; } = "##";

    /// <summary>The model's maximum sequence length; the default max_length for truncation and max_length padding.</summary>
    public int? ModelMaxLength { get; init; }

    /// <summary>Token type id of the second sequence of a pair (1 for BERT).</summary>
    public int PairTypeId { get; init; } = 1;

    public Side PaddingSide { get; init; } = Side.Right;
    public Side TruncationSide { get; init; } = Side.Right;

    /// <summary>Default of Decode's clean_up_tokenization_spaces.</summary>
    public bool CleanUpTokenizationSpaces { get; init; } = true;

    /// <summary>True when accents are stripped with these settings.</summary>
    public bool StripsAccents => DoLowerCase ? StripAccents != false : StripAccents == true;

    /// <summary>The special tokens in the order transformers lists them (all_special_tokens), additional ones last.</summary>
    public ImmutableArray<string> AllSpecialTokens =>
        new[] { UnkToken, SepToken, PadToken, ClsToken, MaskToken }.Concat(AdditionalSpecialTokens).Distinct().ToImmutableArray();
}
