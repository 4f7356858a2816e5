using Electra.Tokenizer;

namespace Electra.Server.Http;

/// <summary>
/// The most tokens a text (or pair) can become, known without tokenizing it, so that the length check before a request
/// is queued tokenizes only texts that might be too long (the pipeline tokenizes every text again, with truncation,
/// once the request is admitted). Every token of a BERT tokenizer's output is a special token or covers at least one
/// code point of the normalised text, and normalisation turns one UTF-16 unit into at most three code points
/// (a Hangul syllable decomposes into three jamo; lower-casing İ gives i and a combining dot; other canonical
/// decompositions add only combining marks, which a word keeps or strips as one).
/// <c>TokenBoundTests</c> checks the bound on every BMP character with a vocabulary holding every code point.
/// </summary>
internal sealed class TokenBound(BertTokenizer tokenizer)
{
    /// <summary>Tokens a UTF-16 unit of text can become at most.</summary>
    public const int PerUnit = 3;

    // The special tokens the tokenizer adds around one text and around a pair: what an empty text encodes to.
    readonly int _single = tokenizer.Encode("", null).Length;
    readonly int _pair = tokenizer.Encode("", "").Length;

    /// <summary>An upper bound on <c>tokenizer.Encode(text, pair).Length</c> (special tokens included).</summary>
    public long Max(string text, string? pair) =>
        (pair is null ? _single : _pair) + PerUnit * ((long)text.Length + (pair?.Length ?? 0));
}
