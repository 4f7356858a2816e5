using System.Text;
using Electra.Tokenizer;
using FsCheck.Xunit;

namespace Electra.Tests.Tokenizer;

/// <summary>
/// The basic tokenizer's fast paths (ASCII runs, the per-char fold table) against its general path, the readable
/// reference (<see cref="BertTokenizer.WithGeneralPathOnly"/>): same tokens, ids and word ids on any text, each
/// offset inside the general path's.
/// </summary>
public class FastPathTests
{
    // Code points each fast path has to get right or hand over: marks of every kind (Mn dropped; Mc and Me kept, and
    // refused by the fold table where their combining class is not 0: U+302E, U+16FF0, U+1D165 in U+1D15E),
    // decompositions inside and outside the BMP, case pairs outside it, emoji sequences, tags.
    private static readonly string[] Pool =
    {
        "a", "Q", "7", " ", "\t", ".", "'", "[", "]", "é", "E\u0301", "\u0301", "\u212B", "ß", "\u1E9E", "İ", "ı", "Σ",
        "\u01C4", "ﬁ", "\u0F73", "\u0345", "\u0903", "\u20DD", "\u0E01\u0E35", "\uAC00", "각", "中", "\uF900", "、",
        "\U00020000", "\U0002F800", "\U0001F600", "\U0001F600\uFE0F", "0\uFE0F\u20E3", "\U0001F1FA\U0001F1F8",
        "\U0001F3F4\U000E0067\U000E0062\U000E007F", "\U0001109A", "\U0001D15E", "\U0001D400", "\U00010400", "\U000E0100",
        "\u00A0", "\u200B", "\u00AD", "\u0000", "\uFFFD", "\uE000", "\uD800", "\uDC00", "[MASK]", "[mask]", "[UNK]",
        "hello", "Unaffable", "ÉCOLE", "naïve", "\u093E", "\u0915\u093F", "\u0995\u09CB", "\u302E", "\U00016FF0", "\u0489",
        "\u17B6", "\u0334", "\U0001D165",
    };

    private static readonly Lazy<(BertTokenizer Fast, BertTokenizer General)[]> Tokenizers = new(() =>
        TokenizerFixtures.PropertyOptionSets.Select(s =>
        {
            var fast = TokenizerFixtures.For(s.Vocab, s.Lower, s.Strip, s.Cjk);
            return (fast, fast.WithGeneralPathOnly());
        }).ToArray());

    [Property(MaxTest = 300)]
    public void Fast_paths_equal_the_general_path(int[] picks)
    {
        var text = TokenizerFixtures.Build(Pool, picks);
        foreach (var (fast, general) in Tokenizers.Value) AssertSame(fast, general, text);
    }

    [Fact]
    public void Fast_paths_equal_the_general_path_on_every_corpus_line()
    {
        var lines = TokenizerFixtures.AllCases.Select(c => c.GetProperty("text").GetString()!).Distinct().ToList();
        Assert.True(lines.Count > 1000);
        foreach (var (fast, general) in Tokenizers.Value)
            foreach (var line in lines)
                AssertSame(fast, general, line);
    }

    private static void AssertSame(BertTokenizer fast, BertTokenizer general, string text)
    {
        var a = fast.Encode(text);
        var b = general.Encode(text);
        string Where() => $"{Show(text)} (lower {fast.Options.DoLowerCase}, strip {fast.Options.StripsAccents}, cjk {fast.Options.TokenizeChineseChars}): fast [{string.Join(" ", a.Tokens)}] general [{string.Join(" ", b.Tokens)}]";
        Assert.True(a.Tokens.SequenceEqual(b.Tokens), Where());
        Assert.True(a.InputIds.SequenceEqual(b.InputIds), Where());
        Assert.True(a.WordIds.SequenceEqual(b.WordIds), Where());
        // The words too: an unknown word is one [UNK] whatever its text, so the tokens alone could hide a wrong one.
        var (wordsA, wordsB) = (fast.BasicTokenize(text), general.BasicTokenize(text));
        Assert.True(wordsA.Select(w => w.Text).SequenceEqual(wordsB.Select(w => w.Text)),
            $"words [{string.Join(" ", wordsA.Select(w => w.Text))}] vs general [{string.Join(" ", wordsB.Select(w => w.Text))}] in {Where()}");
        for (int i = 0; i < a.Length; i++)
        {
            // Where normalisation changes a combining sequence, the general path gives every piece of it the span
            // of the whole sequence; the fast paths give each piece the span of the code point it came from (what
            // the fast tokenizer's alignments give), which lies inside.
            var (x, y) = (a.Offsets[i], b.Offsets[i]);
            Assert.True(y.Start <= x.Start && x.End <= y.End && (x.End > x.Start || y.End == y.Start),
                $"token {i}: offsets {x} vs general {y} in {Where()}");
        }
    }

    private static string Show(string s) =>
        "\"" + string.Concat(s.Select(c => c < 0x20 || c > 0x7E ? $"\\u{(int)c:X4}" : c.ToString())) + "\"";
}
