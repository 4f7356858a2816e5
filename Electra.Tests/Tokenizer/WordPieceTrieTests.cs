using Electra.Tokenizer;
using FsCheck.Xunit;

namespace Electra.Tests.Tokenizer;

/// <summary>
/// The prefix-tree walk (vocabularies with a token over <see cref="Vocabulary.ProbeLimit"/> chars) against the
/// probing loop every real vocabulary uses: same pieces, same ids, same spans, on random vocabularies and words.
/// </summary>
public class WordPieceTrieTests
{
    // Small alphabet so that pieces overlap a lot; "😀" is a surrogate pair, which no piece may split.
    private static readonly string[] Alphabet = ["a", "b", "c", "ab", "😀"];

    // Vocabulary pieces may also hold half of that pair (a vocab.txt line can't, a Vocabulary built in code can).
    private static readonly string[] PieceAlphabet = [.. Alphabet, "\uD83D"];

    private static string Build(int[]? picks, int max, string[]? alphabet = null)
    {
        alphabet ??= Alphabet;
        return string.Concat((picks ?? []).Take(max).Select(p => alphabet[(int)((uint)p % (uint)alphabet.Length)]));
    }

    [Property(MaxTest = 300)]
    public void The_tree_walk_splits_words_as_probing_does(int[] vocabPicks, int[] wordPicks, bool continuationOnly)
    {
        var pieces = (vocabPicks ?? []).Chunk(3).Select(c => (Piece: Build(c.Skip(1).ToArray(), 4, PieceAlphabet), Continuation: c[0] % 2 == 0))
            .Where(p => p.Piece.Length > 0)
            .Select(p => p.Continuation ? "##" + p.Piece : p.Piece);
        var baseTokens = new[] { "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]" }.Concat(pieces).ToList();
        // A token of 'z's pushes the vocabulary over the probe limit; words never hold a 'z', so it never matches.
        var longToken = (continuationOnly ? "##" : "") + new string('z', Vocabulary.ProbeLimit + 1);
        var probing = new BertTokenizer(new Vocabulary(baseTokens));
        var walking = new BertTokenizer(new Vocabulary(baseTokens.Append(longToken)));
        Assert.Null(probing.Vocabulary.Tries);
        Assert.NotNull(walking.Vocabulary.Tries);
        var text = Build(wordPicks, 40) + " " + Build(wordPicks?.Reverse().ToArray(), 12);
        var expected = probing.Encode(text);
        var actual = walking.Encode(text);
        Assert.Equal(expected.InputIds.ToArray(), actual.InputIds.ToArray());
        Assert.Equal(expected.Offsets.ToArray(), actual.Offsets.ToArray());
        Assert.Equal(expected.WordIds.ToArray(), actual.WordIds.ToArray());
    }

    [Fact]
    public void Longest_match_first_with_a_long_vocabulary()
    {
        var tokens = new[] { "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "un", "una", "##ff", "##able", "##aff", new string('q', 100) };
        var tok = new BertTokenizer(new Vocabulary(tokens));
        Assert.NotNull(tok.Vocabulary.Tries);
        Assert.Equal(["una", "##ff", "##able"], tok.Tokenize("unaffable").ToArray());
        Assert.Equal(["[UNK]"], tok.Tokenize("unx").ToArray());
        Assert.Equal([new string('q', 100)], tok.Tokenize(new string('q', 100)).ToArray());
    }

    [Fact]
    public void No_piece_ends_inside_a_surrogate_pair()
    {
        // "a" + the high half of 😀 is a token, but Python never splits a code point: "a", then "##😀".
        var tokens = new[] { "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "a\uD83D", "##😀", new string('q', 100) };
        var tok = new BertTokenizer(new Vocabulary(tokens));
        Assert.NotNull(tok.Vocabulary.Tries);
        Assert.Equal(["a", "##😀"], tok.Tokenize("a😀").ToArray());
        Assert.Equal(["a", "##😀"], new BertTokenizer(new Vocabulary(tokens[..^1])).Tokenize("a😀").ToArray());
    }
}
