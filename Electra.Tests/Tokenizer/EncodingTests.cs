using Electra.Core.Errors;
using Electra.Tokenizer;

namespace Electra.Tests.Tokenizer;

/// <summary>Offsets, word ids, padding, truncation options and decoding on small hand-checked examples.</summary>
public class EncodingTests
{
    private static BertTokenizer Uncased => TokenizerFixtures.Uncased;

    [Fact]
    public void Offsets_and_word_ids_follow_the_original_string()
    {
        // "Héllo" keeps its span through accent stripping; CJK and punctuation are words of their own; U+200B is dropped.
        var text = "Héllo,\u200B 世人! unaffable";
        var enc = Uncased.Encode(text);
        Assert.Equal(new[] { "[CLS]", "hello", ",", "世", "人", "!", "una", "##ffa", "##ble", "[SEP]" }, enc.Tokens);
        Assert.Equal(new TokenOffset[] { new(0, 0), new(0, 5), new(5, 6), new(8, 9), new(9, 10), new(10, 11), new(12, 15), new(15, 18), new(18, 21), new(0, 0) }, enc.Offsets);
        Assert.Equal(new int?[] { null, 0, 1, 2, 3, 4, 5, 5, 5, null }, enc.WordIds);
        Assert.Equal(new[] { 1, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, enc.SpecialTokensMask);
    }

    [Fact]
    public void Offsets_of_decomposed_and_astral_text_cover_whole_characters()
    {
        var text = "E\u0301t\u00E9 \U00020000x 각";
        var enc = Uncased.Encode(text);
        var pieces = enc.Tokens.Zip(enc.Offsets).Where(p => p.First is not "[CLS]" and not "[SEP]").ToList();
        Assert.Equal(("e", new TokenOffset(0, 2)), (pieces[0].First[..1], new TokenOffset(pieces[0].Second.Start, 2)));
        Assert.All(enc.Offsets, o => Assert.False(o.End > 0 && char.IsLowSurrogate(text[o.Start])));
        var hangul = pieces.Where(p => p.Second.Start == text.Length - 1).ToList();
        Assert.Equal(3, hangul.Count); // 각 -> ᄀ ##ᅡ ##ᆨ, all pointing at the syllable
    }

    [Fact]
    public void Special_tokens_in_the_text_stay_whole_and_case_sensitive()
    {
        Assert.Equal(new[] { "[CLS]", "foo", "[MASK]", "bar", "[SEP]" }, Uncased.Encode("foo[MASK]bar").Tokens);
        Assert.Equal(new[] { "[CLS]", "[", "mask", "]", "[SEP]" }, Uncased.Encode("[mask]").Tokens);
        var enc = Uncased.Encode("a [MASK]");
        Assert.Equal(new TokenOffset(2, 8), enc.Offsets[2]);
    }

    [Fact]
    public void Pairs_get_type_ids_and_sequence_ids()
    {
        var enc = Uncased.Encode("hello world", "good bye");
        Assert.Equal(new[] { "[CLS]", "hello", "world", "[SEP]", "good", "bye", "[SEP]" }, enc.Tokens);
        Assert.Equal(new[] { 0, 0, 0, 0, 1, 1, 1 }, enc.TokenTypeIds);
        Assert.Equal(new int?[] { null, 0, 0, null, 1, 1, null }, enc.SequenceIds);
        Assert.Equal(new TokenOffset(0, 4), enc.Offsets[4]);
    }

    [Fact]
    public void Padding_left_and_to_a_multiple()
    {
        var enc = Uncased.Encode("hello", options: new EncodeOptions { Padding = PaddingStrategy.MaxLength, MaxLength = 5, PaddingSide = Side.Left });
        Assert.Equal(new[] { 0, 0, 101, 7592, 102 }, enc.InputIds);
        Assert.Equal(new[] { 0, 0, 1, 1, 1 }, enc.AttentionMask);
        var multiple = Uncased.EncodeBatch(new[] { "hello", "hello world again" }, new EncodeOptions { Padding = PaddingStrategy.Longest, PadToMultipleOf = 4 });
        Assert.All(multiple, e => Assert.Equal(8, e.Length));
        Assert.Equal(new[] { 101, 7592, 102, 0, 0, 0, 0, 0 }, multiple[0].InputIds);
    }

    [Fact]
    public void Left_truncation_keeps_the_end()
    {
        var enc = Uncased.Encode("one two three four five", options: new EncodeOptions
        {
            Truncation = TruncationStrategy.LongestFirst, MaxLength = 4, TruncationSide = Side.Left, Stride = 1,
        });
        Assert.Equal(new[] { "[CLS]", "four", "five", "[SEP]" }, enc.Tokens);
        Assert.Equal(new[] { "one", "two", "three", "four" }, enc.OverflowingTokens.Select(id => Uncased.Vocabulary.TokenOf(id)));
        Assert.Equal(3, enc.NumTruncatedTokens);
    }

    [Fact]
    public void Encode_ids_truncates_into_the_destination()
    {
        var buffer = new int[4];
        Assert.Equal(4, Uncased.EncodeIds("one two three four", buffer));
        Assert.Equal(new[] { 101, 2028, 2048, 102 }, buffer);
        Assert.Throws<TokenizerInputException>(() => Uncased.EncodeIds("x", new int[1]));
    }

    [Fact]
    public void Bad_options_are_input_errors()
    {
        Assert.Throws<TokenizerInputException>(() => Uncased.Encode("x", options: new EncodeOptions { MaxLength = -1 }));
        Assert.Throws<TokenizerInputException>(() => Uncased.Encode("x", options: new EncodeOptions { Stride = -2 }));
        Assert.Throws<TokenizerInputException>(() => Uncased.Encode("x", options: new EncodeOptions { PadToMultipleOf = 0 }));
    }

    [Fact]
    public void Decode_joins_pieces_and_cleans_up_like_transformers()
    {
        var ids = Uncased.Encode("Hello, world! It's unaffable.").InputIds.ToArray();
        Assert.Equal("[CLS] hello, world! it's unaffable. [SEP]", Uncased.Decode(ids));
        Assert.Equal("hello, world! it's unaffable.", Uncased.Decode(ids, skipSpecialTokens: true));
        Assert.Equal("hello , world ! it ' s unaffable .", Uncased.Decode(ids, skipSpecialTokens: true, cleanUpTokenizationSpaces: false));
        Assert.Equal("[UNK] hello", Uncased.Decode(new[] { 999999, 7592 }));
    }

    [Fact]
    public void Basic_tokenize_returns_normalised_words_with_spans()
    {
        var words = Uncased.BasicTokenize("Ça va? Oui.");
        Assert.Equal(new[] { "ca", "va", "?", "oui", "." }, words.Select(w => w.Text));
        Assert.Equal(new Word("ca", 0, 2), words[0]);
        Assert.Equal(new Word("?", 5, 6), words[2]);
    }

    [Fact]
    public void Long_words_become_one_unknown_token()
    {
        Assert.Equal(new[] { "[UNK]" }, Uncased.Tokenize(new string('a', 101)));
        Assert.NotEqual(new[] { "[UNK]" }, Uncased.Tokenize(new string('a', 100)));
    }
}

/// <summary>Fast-tokenizer style overflow windows for long-document question answering.</summary>
public class WindowTests
{
    private static BertTokenizer Uncased => TokenizerFixtures.Uncased;

    [Fact]
    public void Windows_over_the_context_overlap_by_stride_and_cover_it()
    {
        var question = "who?";
        var context = "one two three four five six seven eight nine ten";
        var windows = Uncased.EncodeWindows(question, context, new EncodeOptions
        {
            Truncation = TruncationStrategy.OnlySecond, MaxLength = 10, Stride = 2, Padding = PaddingStrategy.MaxLength,
        });
        // room = 10 - 3 - 2 = 5 context tokens, step 3: [0,5) [3,8) [6,10)
        Assert.Equal(3, windows.Length);
        string Context(BertEncoding w) => string.Join(" ", w.Tokens.Where((t, i) => w.SequenceIds[i] == 1));
        Assert.Equal("one two three four five", Context(windows[0]));
        Assert.Equal("four five six seven eight", Context(windows[1]));
        Assert.Equal("seven eight nine ten", Context(windows[2]));
        Assert.All(windows, w => Assert.Equal(10, w.Length));
        Assert.All(windows, w => Assert.Equal(new[] { "[CLS]", "who", "?", "[SEP]" }, w.Tokens.Take(4)));
        var seven = windows[2].Tokens.IndexOf("seven");
        Assert.Equal("seven", context[windows[2].Offsets[seven].Start..windows[2].Offsets[seven].End]);
    }

    [Fact]
    public void A_single_text_that_fits_is_one_window()
    {
        var windows = Uncased.EncodeWindows("short text", options: new EncodeOptions { Truncation = TruncationStrategy.LongestFirst, MaxLength = 16 });
        Assert.Single(windows);
        Assert.Equal(Uncased.Encode("short text").InputIds.ToArray(), windows[0].InputIds.ToArray());
    }

    [Fact]
    public void Every_window_carries_the_texts_words_from_one_tokenization()
    {
        const string text = "Ça va? Oui, très bien. Merci beaucoup!";
        var windows = Uncased.EncodeWindows(text, options: new EncodeOptions
        {
            Truncation = TruncationStrategy.OnlyFirst, MaxLength = 6, Stride = 1, ReturnWords = true,
        });
        Assert.True(windows.Length > 2);
        var words = Uncased.BasicTokenize(text);
        Assert.All(windows, w => Assert.Equal<Word>(words, w.Words));
        Assert.Equal(new[] { "ca", "va", "?", "oui", ",", "tres" }, words.Take(6).Select(w => w.Text));
        var last = windows[^1];
        int k = last.Length - 2;
        Assert.Equal("!", last.Words[last.WordIds[k]!.Value].Text);
    }

    [Fact]
    public void Impossible_windows_are_input_errors()
    {
        var o = new EncodeOptions { Truncation = TruncationStrategy.OnlySecond, MaxLength = 6, Stride = 0 };
        Assert.Throws<TokenizerInputException>(() => Uncased.EncodeWindows("a b c d", "e f g h", o));
        Assert.Throws<TokenizerInputException>(() => Uncased.EncodeWindows("a", "e f g h i j k", o with { Stride = 2 }));
        Assert.Throws<TokenizerInputException>(() => Uncased.EncodeWindows("a b", "c d e f g h", o with { Truncation = TruncationStrategy.LongestFirst }));
    }
}
