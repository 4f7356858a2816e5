using System.Text;
using Electra.Tokenizer;
using FsCheck.Xunit;

namespace Electra.Tests.Tokenizer;

/// <summary>
/// <see cref="BertTokenizer.EncodeIds(string, Span{int})"/> takes a route of its own (no spans, no word ids): its ids
/// must be the full <see cref="BertTokenizer.Encode(string, string?, EncodeOptions?)"/>'s, truncated as documented,
/// on any text and every option set.
/// </summary>
public class IdsOnlyPathTests
{
    private static readonly Lazy<BertTokenizer[]> Tokenizers = new(() =>
        TokenizerFixtures.PropertyOptionSets.Select(s => TokenizerFixtures.For(s.Vocab, s.Lower, s.Strip, s.Cjk)).ToArray());

    // Pieces that exercise every route of the basic tokenizer: ASCII runs, folded runs, the general path (marks that
    // canonical ordering moves, lone surrogates), CJK, special tokens written in the text, over-long words.
    private static readonly string[] Pool =
    {
        "a", "Q", "7", " ", "\t", "\n", ".", "'", "[", "]", "#", "é", "E\u0301", "\u0301", "\u212B", "ß", "İ", "Σ",
        "ﬁ", "\u0F73", "\u0903", "\u0E01\u0E35", "\uAC00", "中", "\uF900", "、", "\U00020000", "\U0002F800",
        "\U0001F600", "\U0001D400", "\u00A0", "\u200B", "\u00AD", "\u0000", "\u0085", "\uFFFD", "\uD800", "\uDC00",
        "\u302E", "\U0001D15E\U0001D165", "[MASK]", "[mask]", "[SEP]", "hello", "Unaffable", "ÉCOLE", "naïve",
        "transformers", "##", new string('x', 101),
    };

    /// <summary>Any UTF-16 text: printable ASCII, any BMP char (lone surrogates included) and any supplementary code point.</summary>
    private static string RandomText(int seed, int length)
    {
        var random = new Random(seed);
        var text = new StringBuilder();
        for (int i = 0; i < Math.Abs(length % 400); i++)
        {
            int roll = random.Next(10);
            if (roll < 5) text.Append((char)random.Next(0x20, 0x7F));
            else if (roll < 6) text.Append(' ');
            else if (roll < 9) text.Append((char)random.Next(0x80, 0x10000));
            else text.Append(char.ConvertFromUtf32(random.Next(0x10000, 0x110000)));
        }
        return text.ToString();
    }

    [Property(MaxTest = 300)]
    public void Ids_only_equal_the_full_encodings_ids_on_hard_text(int[] picks, int room)
    {
        var text = TokenizerFixtures.Build(Pool, picks);
        foreach (var tokenizer in Tokenizers.Value) AssertSame(tokenizer, text, room);
    }

    [Property(MaxTest = 300)]
    public void Ids_only_equal_the_full_encodings_ids_on_random_unicode(int seed, int length, int room)
    {
        var text = RandomText(seed, length);
        foreach (var tokenizer in Tokenizers.Value) AssertSame(tokenizer, text, room);
    }

    [Fact]
    public void Ids_only_equal_the_full_encodings_ids_on_every_corpus_line()
    {
        var lines = TokenizerFixtures.AllCases.Select(c => c.GetProperty("text").GetString()!).Distinct().ToList();
        Assert.True(lines.Count > 1000);
        foreach (var tokenizer in Tokenizers.Value)
            foreach (var line in lines)
                AssertSame(tokenizer, line, int.MaxValue);
    }

    /// <summary>The per-thread token list is shared: a full encoding after an ids-only one must still get its spans.</summary>
    [Fact]
    public void A_full_encoding_after_ids_only_keeps_its_offsets_and_word_ids()
    {
        var tokenizer = TokenizerFixtures.Uncased;
        const string text = "Héllo, wörld! 中文 [MASK] unaffable";
        Exception? failure = null;
        // A new thread, so that the per-thread list starts fresh and the first encoding is the reference.
        var thread = new Thread(() =>
        {
            try
            {
                var expected = tokenizer.Encode(text);
                // Another text first, so that spans left over in the list would be wrong ones.
                tokenizer.Encode("a, b, c: something else entirely, with more tokens than the first text");
                tokenizer.EncodeIds("something else entirely, ÉCOLE", new int[64]);
                var again = tokenizer.Encode(text);
                Assert.True(expected.Offsets.SequenceEqual(again.Offsets), $"[{string.Join(" ", again.Offsets)}] vs [{string.Join(" ", expected.Offsets)}]");
                Assert.True(expected.WordIds.SequenceEqual(again.WordIds), $"[{string.Join(" ", again.WordIds)}] vs [{string.Join(" ", expected.WordIds)}]");
                Assert.True(expected.InputIds.SequenceEqual(again.InputIds));
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();
        if (failure is not null) throw failure;
    }

    /// <param name="room">Picks the destination's length: all of it, or a truncating one of 2 or more.</param>
    private static void AssertSame(BertTokenizer tokenizer, string text, int room)
    {
        var full = tokenizer.Encode(text).InputIds;
        int length = room == int.MaxValue || room % 3 == 0 ? full.Length : 2 + (int)((uint)room % (uint)full.Length);
        // [CLS] first n tokens [SEP]: what longest_first leaves of a single text in max_length = length.
        int keep = Math.Min(full.Length - 2, length - 2);
        var expected = full.Take(keep + 1).Append(full[^1]).ToArray();
        var destination = new int[length + 3];
        Array.Fill(destination, -7);
        int written = tokenizer.EncodeIds(text, destination.AsSpan(0, length));
        string Where() => $"{Show(text)} (lower {tokenizer.Options.DoLowerCase}, strip {tokenizer.Options.StripsAccents}, cjk {tokenizer.Options.TokenizeChineseChars}, room {length})";
        Assert.True(expected.AsSpan().SequenceEqual(destination.AsSpan(0, written)),
            $"ids only [{string.Join(" ", destination.Take(written))}] vs full [{string.Join(" ", expected)}] in {Where()}");
        Assert.True(destination.Skip(written).All(x => x == -7), $"wrote past its count in {Where()}");
    }

    private static string Show(string s) =>
        "\"" + string.Concat(s.Select(c => c < 0x20 || c > 0x7E ? $"\\u{(int)c:X4}" : c.ToString())) + "\"";
}
