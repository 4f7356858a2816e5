using System.Collections.Immutable;
using System.Runtime.InteropServices;

namespace Electra.Tokenizer;

/// <summary>
/// A WordPiece vocabulary: token string ↔ id. Immutable and thread-safe. Lookups accept spans so that WordPiece can
/// probe substrings without allocating.
/// </summary>
/// <remarks>
/// Like transformers' <c>load_vocab</c>, a token listed twice maps to its last id, while <see cref="TokenOf"/> still
/// returns each id's own line.
/// </remarks>
public sealed class Vocabulary
{
    private readonly Dictionary<string, int> _ids;
    private readonly SpanIdTable _idsBySpan;
    private readonly Dictionary<string, int> _continuations;
    private readonly SpanIdTable _continuationsBySpan;
    private readonly string[] _tokens;

    /// <summary>The prefix that marks a piece continuing a word ("##" for BERT).</summary>
    public string ContinuingSubwordPrefix { get; }

    /// <summary>Tokens in id order; <c>Tokens[i]</c> is the token of id <c>i</c>.</summary>
    public ImmutableArray<string> Tokens => ImmutableCollectionsMarshal.AsImmutableArray(_tokens);

    /// <summary>Number of ids (the vocabulary size as the model sees it).</summary>
    public int Count => _tokens.Length;

    /// <summary>Length in UTF-16 units of the longest token, used to bound WordPiece's first probe.</summary>
    internal int LongestToken { get; }

    /// <summary>Length of the longest continuation piece, prefix excluded.</summary>
    internal int LongestContinuation { get; }

    /// <summary>
    /// Tokens longer than this make WordPiece walk prefix trees instead of probing every length (see
    /// <see cref="PieceTrie"/>); no real BERT vocabulary comes near (bert-base-uncased: 18, multilingual: 22).
    /// </summary>
    internal const int ProbeLimit = 64;

    /// <summary>Trees of the tokens and of the continuation pieces, built only when a token exceeds <see cref="ProbeLimit"/>.</summary>
    internal (PieceTrie First, PieceTrie Continuation)? Tries { get; }

    /// <summary>Builds a vocabulary from tokens in id order.</summary>
    public Vocabulary(IEnumerable<string> tokensInIdOrder, string continuingSubwordPrefix = "##")
    {
        ArgumentNullException.ThrowIfNull(tokensInIdOrder);
        ContinuingSubwordPrefix = continuingSubwordPrefix ?? "##";
        _tokens = tokensInIdOrder.ToArray();
        _ids = new Dictionary<string, int>(_tokens.Length);
        _continuations = new Dictionary<string, int>(_tokens.Length);
        int longest = 0, longestContinuation = 0;
        for (int id = 0; id < _tokens.Length; id++)
        {
            var token = _tokens[id] ?? throw new ArgumentException($"token of id {id} is null", nameof(tokensInIdOrder));
            _ids[token] = id;
            longest = Math.Max(longest, token.Length);
            if (ContinuingSubwordPrefix.Length > 0 && token.StartsWith(ContinuingSubwordPrefix, StringComparison.Ordinal))
            {
                var rest = token[ContinuingSubwordPrefix.Length..];
                _continuations[rest] = id;
                longestContinuation = Math.Max(longestContinuation, rest.Length);
            }
        }
        if (ContinuingSubwordPrefix.Length == 0)
        {
            // Without a prefix a continuation piece is looked up like any token.
            _continuations = _ids;
            longestContinuation = longest;
        }
        _idsBySpan = new SpanIdTable(_ids.Select(kv => (kv.Key, kv.Value)).ToList());
        _continuationsBySpan = new SpanIdTable(_continuations.Select(kv => (kv.Key, kv.Value)).ToList());
        LongestToken = longest;
        LongestContinuation = longestContinuation;
        if (longest > ProbeLimit || longestContinuation > ProbeLimit)
        {
            var first = new PieceTrie(_ids);
            Tries = (first, ReferenceEquals(_continuations, _ids) ? first : new PieceTrie(_continuations));
        }
    }

    /// <summary>True when a lookup table fell back to the randomized hash because the tokens crowded the fast one.</summary>
    internal bool UsesRandomizedHash => _idsBySpan.UsesMarvin || _continuationsBySpan.UsesMarvin;

    /// <summary>The id of <paramref name="token"/>, or null when the vocabulary lacks it.</summary>
    public int? IdOf(string token) => _ids.TryGetValue(token, out var id) ? id : null;

    /// <summary>The token of <paramref name="id"/>, or null when out of range.</summary>
    public string? TokenOf(int id) => (uint)id < (uint)_tokens.Length ? _tokens[id] : null;

    internal string TokenAt(int id) => _tokens[id];

    internal bool TryGetId(ReadOnlySpan<char> token, out int id) => _idsBySpan.TryGetValue(token, out id);

    /// <summary>Looks up <c>prefix + piece</c> without building the string.</summary>
    internal bool TryGetContinuationId(ReadOnlySpan<char> pieceWithoutPrefix, out int id) =>
        _continuationsBySpan.TryGetValue(pieceWithoutPrefix, out id);

    /// <summary>
    /// Reads a vocab.txt: one token a line, line n (0-based) is id n. Lines end at \n, \r\n or \r, as Python's
    /// universal-newline text mode reads them; nothing else is stripped.
    /// </summary>
    public static Vocabulary FromFile(string path, string continuingSubwordPrefix = "##")
    {
        var bytes = TokenizerFiles.ReadAllBytes(path, TokenizerFiles.MaxVocabBytes, "the vocabulary");
        string text;
        try
        {
            text = new System.Text.UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (System.Text.DecoderFallbackException e)
        {
            throw new TokenizerFormatException(path, $"byte {e.Index}", $"cannot read the vocabulary: {e.Message}", e);
        }
        if (text.Length > 0 && text[0] == '\uFEFF') text = text[1..];
        var tokens = SplitLines(text);
        if (tokens.Count == 0) throw new TokenizerFormatException(path, "line 1", "the vocabulary is empty");
        return new Vocabulary(tokens, continuingSubwordPrefix);
    }

    private static List<string> SplitLines(string text)
    {
        var lines = new List<string>();
        int start = 0;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c != '\n' && c != '\r') continue;
            lines.Add(text[start..i]);
            if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n') i++;
            start = i + 1;
        }
        if (start < text.Length) lines.Add(text[start..]);
        return lines;
    }
}
