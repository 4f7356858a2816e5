using System.Text;
using Electra.Server.Http;
using Electra.Tokenizer;
using FsCheck;
using FsCheck.Xunit;

namespace Electra.Tests.Server;

/// <summary>
/// The server's token bound (the length check skips tokenizing a text that cannot be too long) holds for the worst
/// vocabulary, one that holds every BMP code point alone and as a continuation, so WordPiece never folds a word into
/// one [UNK]: exhaustively over the BMP, and on random texts of the code points that normalisation expands.
/// </summary>
public sealed class TokenBoundTests
{
    static readonly Lazy<Vocabulary> EveryCodePoint = new(() =>
    {
        var tokens = new List<string> { "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]" };
        for (int c = 0; c < 0x10000; c++)
        {
            if (char.IsSurrogate((char)c)) continue;
            string s = ((char)c).ToString();
            tokens.Add(s);
            tokens.Add("##" + s);
        }
        return new Vocabulary(tokens.Distinct());
    });

    static readonly string[] Sets = ["uncased", "cased", "lowercase-keep-accents", "strip-accents-cased"];

    public static readonly TheoryData<string> OptionSets = new(Sets);

    static BertTokenizer Tokenizer(string set) => new(EveryCodePoint.Value, set switch
    {
        "uncased" => BertTokenizerOptions.Default,
        "cased" => BertTokenizerOptions.Default with { DoLowerCase = false },
        "lowercase-keep-accents" => BertTokenizerOptions.Default with { StripAccents = false },
        _ => BertTokenizerOptions.Default with { DoLowerCase = false, StripAccents = true },
    });

    [Theory]
    [MemberData(nameof(OptionSets))]
    public void HoldsForEveryBmpCharacterAloneAndInPairs(string set)
    {
        var tokenizer = Tokenizer(set);
        var bound = new TokenBound(tokenizer);
        for (int c = 0; c < 0x10000; c++)
        {
            if (char.IsSurrogate((char)c)) continue;
            string s = ((char)c).ToString(), three = s + s + s;
            Assert.True(tokenizer.Encode(three, null).Length <= bound.Max(three, null), $"{set}: U+{c:X4} alone");
            Assert.True(tokenizer.Encode(s, three).Length <= bound.Max(s, three), $"{set}: U+{c:X4} in a pair");
        }
    }

    /// <summary>The code points whose normalisation gives most: İ, Hangul syllables, decomposing Latin and Greek
    /// letters, stacked marks, CJK, punctuation, special tokens written in the text, spaces and controls.</summary>
    static readonly string[] Pool =
    [
        "\u0130", "\uAC00", "\uD7A3", "\uD55C", "\u1E69", "\u1F82", "\u0390", "\u0344", "\u0301", "\u0308", "\u302E",
        "\u4E2D", "\u6587", "!", "-", "a", "Z", "é", "ß", "ﬁ", "[MASK]", "[SEP]", " ", "\t", "\u00A0", "\u200B", "\U00020000",
        "\U0001D15E", "\u0F77", "\uFB2C", "\u2126",
    ];

    [Property(MaxTest = 200)]
    public void HoldsOnRandomTextsOfExpandingCodePoints(int[] picks, byte setSel, bool pair)
    {
        string set = Sets[setSel % Sets.Length];
        var tokenizer = Tokenizer(set);
        var bound = new TokenBound(tokenizer);
        var text = new StringBuilder();
        foreach (int p in picks ?? []) text.Append(Pool[(int)((uint)p % Pool.Length)]);
        string a = text.ToString(), b = pair ? new string(a.Reverse().Where(ch => !char.IsSurrogate(ch)).ToArray()) : null!;
        if (a.Length == 0) a = "x";
        int tokens = tokenizer.Encode(a, pair ? b : null).Length;
        Assert.True(tokens <= bound.Max(a, pair ? b : null), $"{set}: {tokens} tokens, bound {bound.Max(a, pair ? b : null)} for \"{a}\"");
    }
}
