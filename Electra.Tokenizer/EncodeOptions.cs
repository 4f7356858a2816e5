namespace Electra.Tokenizer;

/// <summary>transformers' truncation strategies.</summary>
public enum TruncationStrategy
{
    /// <summary>Never truncate (do_not_truncate).</summary>
    None,
    /// <summary>Cut from the longer sequence, one token at a time (longest_first).</summary>
    LongestFirst,
    /// <summary>Cut only the first sequence (only_first).</summary>
    OnlyFirst,
    /// <summary>Cut only the second sequence of a pair (only_second).</summary>
    OnlySecond,
}

/// <summary>transformers' padding strategies.</summary>
public enum PaddingStrategy
{
    /// <summary>No padding (do_not_pad).</summary>
    None,
    /// <summary>Pad every sequence of a batch to the longest one (longest).</summary>
    Longest,
    /// <summary>Pad to max_length (max_length).</summary>
    MaxLength,
}

/// <summary>
/// How one call encodes: the keyword arguments of transformers' <c>tokenizer(text, text_pair, ...)</c>. The defaults
/// are transformers' (special tokens added, no truncation, no padding).
/// </summary>
/// <example><code>var opts = new EncodeOptions { Truncation = TruncationStrategy.OnlySecond, MaxLength = 384, Stride = 128 };</code></example>
public sealed record EncodeOptions
{
    public static EncodeOptions Default { get; } = new();

    public bool AddSpecialTokens { get; init; } = true;

    public TruncationStrategy Truncation { get; init; } = TruncationStrategy.None;

    /// <summary>Maximum length including special tokens. Null: the tokenizer's model_max_length, when truncating or padding to max_length.</summary>
    public int? MaxLength { get; init; }

    /// <summary>How many tokens before the cut are repeated in the overflowing tokens.</summary>
    public int Stride { get; init; }

    public PaddingStrategy Padding { get; init; } = PaddingStrategy.None;

    /// <summary>Round the padded length up to a multiple of this.</summary>
    public int? PadToMultipleOf { get; init; }

    /// <summary>Overrides the tokenizer's padding side.</summary>
    public Side? PaddingSide { get; init; }

    /// <summary>Overrides the tokenizer's truncation side.</summary>
    public Side? TruncationSide { get; init; }

    /// <summary>
    /// Also return the basic tokenizer's words of each text (<see cref="BertEncoding.Words"/>,
    /// <see cref="BertEncoding.PairWords"/>), which the encoding's word ids index: one tokenization gives both.
    /// </summary>
    public bool ReturnWords { get; init; }
}
