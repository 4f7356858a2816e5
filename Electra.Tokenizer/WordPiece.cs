namespace Electra.Tokenizer;

/// <summary>
/// HF: WordpieceTokenizer (tokenization_bert.py), the WordPiece model of HF tokenizers: splits one word of the
/// basic tokenizer into the longest vocabulary pieces, first piece plain and the rest with the continuation prefix.
/// Immutable, so one instance serves all threads.
/// </summary>
internal sealed class WordPiece
{
    private readonly Vocabulary _vocab;
    private readonly int _unkId;
    private readonly int _maxCharsPerWord;

    internal WordPiece(Vocabulary vocab, int unkId, int maxInputCharsPerWord)
    {
        _vocab = vocab;
        _unkId = unkId;
        _maxCharsPerWord = maxInputCharsPerWord;
    }

    /// <summary>
    /// Greedy longest-match-first WordPiece (tokenization_bert.py WordpieceTokenizer) over code points: a word of
    /// more than max_input_chars_per_word code points, or one that cannot be covered, is a single unknown token.
    /// </summary>
    /// <remarks>Token spans are written as indices into <paramref name="chars"/>; the caller maps them to the original string.</remarks>
    internal void Tokenize(ReadOnlySpan<char> chars, int from, int to, TokenList tokens, int word)
    {
        int codePoints = to - from;
        if (codePoints > _maxCharsPerWord)
        {
            for (int k = from; k < to; k++)
                if (char.IsLowSurrogate(chars[k])) codePoints--;
        }
        if (codePoints > _maxCharsPerWord)
        {
            tokens.Add(_unkId, from, to, word);
            return;
        }
        if (_vocab.Tries is var (firstTrie, continuationTrie))
        {
            WalkTries(chars, from, to, tokens, word, firstTrie, continuationTrie);
            return;
        }
        int mark = tokens.Count;
        int start = from;
        while (start < to)
        {
            bool first = start == from;
            int end = Math.Min(to, start + (first ? _vocab.LongestToken : _vocab.LongestContinuation));
            if (end < to && end > start && char.IsLowSurrogate(chars[end])) end--;
            int id = -1;
            while (end > start)
            {
                var piece = chars[start..end];
                if (first ? _vocab.TryGetId(piece, out id) : _vocab.TryGetContinuationId(piece, out id)) break;
                id = -1;
                end--;
                if (end > start && char.IsLowSurrogate(chars[end])) end--;
            }
            if (id < 0)
            {
                tokens.Count = mark;
                tokens.Add(_unkId, from, to, word);
                return;
            }
            tokens.Add(id, start, end, word);
            start = end;
        }
    }

    /// <summary>
    /// The same longest-match-first split as the probing loop, one tree step per character: what a vocabulary with
    /// long tokens gets, where probing every length up to the longest token would cost O(longest²) per piece.
    /// </summary>
    private void WalkTries(ReadOnlySpan<char> chars, int from, int to, TokenList tokens, int word, PieceTrie firstTrie, PieceTrie continuationTrie)
    {
        int mark = tokens.Count;
        int start = from;
        while (start < to)
        {
            var trie = start == from ? firstTrie : continuationTrie;
            int node = 0, id = -1, end = -1;
            for (int i = start; i < to; i++)
            {
                node = trie.Child(node, chars[i]);
                if (node < 0) break;
                int t = trie.TokenId(node);
                // A piece never ends between the two halves of a surrogate pair: Python splits code points.
                if (t >= 0 && (i + 1 == to || !char.IsLowSurrogate(chars[i + 1])))
                {
                    id = t;
                    end = i + 1;
                }
            }
            if (id < 0)
            {
                tokens.Count = mark;
                tokens.Add(_unkId, from, to, word);
                return;
            }
            tokens.Add(id, start, end, word);
            start = end;
        }
    }
}
