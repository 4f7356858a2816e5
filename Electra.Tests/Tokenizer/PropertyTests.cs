using System.Globalization;
using System.Text;
using Electra.Tokenizer;
using FsCheck;
using FsCheck.Xunit;

namespace Electra.Tests.Tokenizer;

/// <summary>Invariants on arbitrary Unicode text, generated from a pool of the characters that make tokenization hard.</summary>
public class PropertyTests
{
    private static readonly string[] Pool =
    {
        "a", "b", "Z", "e", "q", "x", "1", "9", " ", " ", "  ", "\t", "\n", "\r\n", ".", ",", "!", "'", "#", "$", "[", "]", "^", "`", "~",
        "é", "E\u0301", "\u0301", "Å", "\u212B", "ß", "İ", "ı", "Σ", "ς", "ﬁ", "Ω", "\u1F71", "\u1FEF",
        "中", "文", "\uF900", "\U00020000", "\U0002F800", "한", "각", "カ", "。", "、",
        "\u00A0", "\u3000", "\u2028", "\u2029", "\u200B", "\u00AD", "\uFEFF", "\u0085", "\u0000", "\uFFFD", "\u0007", "\uE000",
        "\U0001F600", "\U0001D400", "\u0E01\u0E35", "\u0915\u094D", "-", "—", "«", "»", "(", ")",
        "[MASK]", "[CLS]", "[mask]", "[UNK]", "hello", "world", "unaffable", "transformers", "##", "\uD800", "\uDC00",
    };

    private static string Build(int[] picks) => TokenizerFixtures.Build(Pool, picks);

    private static BertTokenizer Uncased => TokenizerFixtures.Uncased;

    [Property(MaxTest = 400)]
    public void Offsets_lie_in_the_text_in_order_and_cover_their_token(int[] picks)
    {
        var text = Build(picks);
        var enc = Uncased.Encode(text);
        int previousStart = 0;
        for (int i = 0; i < enc.Length; i++)
        {
            if (enc.SpecialTokensMask[i] == 1 && enc.WordIds[i] is null)
            {
                Assert.Equal(default, enc.Offsets[i]);
                continue;
            }
            var (start, end) = (enc.Offsets[i].Start, enc.Offsets[i].End);
            Assert.InRange(start, 0, text.Length);
            Assert.InRange(end, start + 1, text.Length);
            Assert.True(start >= previousStart, $"offsets go back at token {i} in {Show(text)}");
            previousStart = start;
            var token = enc.Tokens[i];
            if (token == "[UNK]") continue;
            var piece = token.StartsWith("##", StringComparison.Ordinal) ? token[2..] : token;
            var normalised = string.Concat(Uncased.BasicTokenize(text[start..end]).Select(w => w.Text));
            Assert.True(normalised.Contains(piece, StringComparison.Ordinal),
                $"token {i} '{token}' at ({start},{end}) but the text there, {Show(text[start..end])}, normalises to '{normalised}'; text {Show(text)}");
        }
    }

    /// <summary>
    /// The words an encoding returns (ReturnWords) are the basic tokenizer's, for the text and its pair, and every
    /// token's word id indexes the word whose span holds it; asking for words changes no other field.
    /// </summary>
    [Property(MaxTest = 200)]
    public void Returned_words_are_the_basic_tokenizers_and_word_ids_index_them(int[] picks, int[] pairPicks)
    {
        var (text, pair) = (Build(picks), Build(pairPicks));
        var plain = Uncased.Encode(text, pair);
        var enc = Uncased.Encode(text, pair, new EncodeOptions { ReturnWords = true });
        Assert.Equal<Word>(Uncased.BasicTokenize(text), enc.Words);
        Assert.Equal<Word>(Uncased.BasicTokenize(pair), enc.PairWords);
        Assert.True(plain.Words.IsEmpty && plain.PairWords.IsEmpty);
        Assert.Equal(plain, enc with { Words = plain.Words, PairWords = plain.PairWords }, new EncodingFields());
        for (int i = 0; i < enc.Length; i++)
        {
            if (enc.WordIds[i] is not int w) continue;
            var word = (enc.SequenceIds[i] == 0 ? enc.Words : enc.PairWords)[w];
            Assert.InRange(enc.Offsets[i].Start, word.Start, word.End);
            Assert.InRange(enc.Offsets[i].End, word.Start, word.End);
        }
    }

    /// <summary>Field-by-field equality of encodings (the record compares its arrays by reference).</summary>
    private sealed class EncodingFields : IEqualityComparer<BertEncoding>
    {
        public bool Equals(BertEncoding? a, BertEncoding? b) => a is not null && b is not null &&
            a.Tokens.SequenceEqual(b.Tokens) && a.InputIds.SequenceEqual(b.InputIds) && a.TokenTypeIds.SequenceEqual(b.TokenTypeIds) &&
            a.AttentionMask.SequenceEqual(b.AttentionMask) && a.SpecialTokensMask.SequenceEqual(b.SpecialTokensMask) &&
            a.Offsets.SequenceEqual(b.Offsets) && a.WordIds.SequenceEqual(b.WordIds) && a.SequenceIds.SequenceEqual(b.SequenceIds) &&
            a.OverflowingTokens.SequenceEqual(b.OverflowingTokens) && a.NumTruncatedTokens == b.NumTruncatedTokens;

        public int GetHashCode(BertEncoding e) => e.Length;
    }

    /// <summary>
    /// An unpadded single text shares its constant rows between encodings of the same length; they must be exactly the
    /// rows the general path writes, here the same text padded by one token (its first Length entries).
    /// </summary>
    [Property(MaxTest = 200)]
    public void Shared_rows_equal_the_rows_of_the_general_path(int[] picks)
    {
        var text = Build(picks);
        var enc = Uncased.Encode(text);
        var padded = Uncased.Encode(text, null, new EncodeOptions { Padding = PaddingStrategy.MaxLength, MaxLength = enc.Length + 1 });
        Assert.Equal(enc.Length + 1, padded.Length);
        Assert.Equal(padded.TokenTypeIds.Take(enc.Length), enc.TokenTypeIds);
        Assert.Equal(padded.AttentionMask.Take(enc.Length), enc.AttentionMask);
        Assert.Equal(padded.SpecialTokensMask.Take(enc.Length), enc.SpecialTokensMask);
        Assert.Equal(padded.SequenceIds.Take(enc.Length), enc.SequenceIds);
        Assert.Equal(padded.InputIds.Take(enc.Length), enc.InputIds);
    }

    [Property(MaxTest = 300)]
    public void Any_string_encodes_without_throwing(string? text)
    {
        var enc = Uncased.Encode(text ?? "", text, new EncodeOptions { Truncation = TruncationStrategy.LongestFirst, MaxLength = 16, Stride = 2 });
        Assert.True(enc.Length <= 16);
        var cased = TokenizerFixtures.For("vocab-multilingual-cased.txt", false, null, true);
        Assert.Equal(cased.Encode(text ?? "").Length, cased.Encode(text ?? "").InputIds.Length);
        Assert.NotNull(Uncased.Decode(enc.InputIds.ToArray(), skipSpecialTokens: true));
    }

    [Property(MaxTest = 300)]
    public void Uncased_ids_ignore_case_and_accents(int[] picks)
    {
        // Only letters whose .NET invariant lower-casing equals Python's per-char lower (no U+0130) and no special tokens;
        // no lone surrogates either, because the test's own string.Normalize below refuses them (the tokenizer does not).
        var text = WithoutLoneSurrogates(Build(picks).Replace("İ", "").Replace("[MASK]", "").Replace("[CLS]", "").Replace("[UNK]", ""));
        var ids = Uncased.Encode(text).InputIds;
        Assert.True(ids.SequenceEqual(Uncased.Encode(text.ToLowerInvariant()).InputIds), $"lower-casing changed the ids of {Show(text)}");
        var stripped = new StringBuilder();
        foreach (var r in text.Normalize(NormalizationForm.FormD).EnumerateRunes())
            if (Rune.GetUnicodeCategory(r) != UnicodeCategory.NonSpacingMark) stripped.Append(r.ToString());
        Assert.True(ids.SequenceEqual(Uncased.Encode(stripped.ToString()).InputIds), $"stripping accents changed the ids of {Show(text)}: {string.Join(" ", Uncased.Encode(text).Tokens)} vs {string.Join(" ", Uncased.Encode(stripped.ToString()).Tokens)}");
    }

    private static string WithoutLoneSurrogates(string text)
    {
        var kept = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                kept.Append(text[i]).Append(text[++i]);
            else if (!char.IsSurrogate(text[i]))
                kept.Append(text[i]);
        }
        return kept.ToString();
    }

    [Property(MaxTest = 300)]
    public void Pair_truncation_never_exceeds_max_length(int[] first, int[] second, byte max, bool onlySecond)
    {
        int maxLength = 3 + max % 40;
        string a = Build(first), b = Build(second);
        var longest = Uncased.Encode(a, b, new EncodeOptions { Truncation = TruncationStrategy.LongestFirst, MaxLength = maxLength });
        Assert.True(longest.Length <= maxLength, $"longest_first gave {longest.Length} > {maxLength}");

        var strategy = onlySecond ? TruncationStrategy.OnlySecond : TruncationStrategy.OnlyFirst;
        var untruncated = Uncased.Encode(a, b);
        var only = Uncased.Encode(a, b, new EncodeOptions { Truncation = strategy, MaxLength = maxLength, Padding = PaddingStrategy.MaxLength });
        // HF truncates nothing when the chosen sequence is too short for the cut; otherwise the result fits exactly.
        Assert.True(only.Length == maxLength || only.InputIds.SequenceEqual(untruncated.InputIds),
            $"{strategy}: length {only.Length} with max_length {maxLength}");
    }

    [Property(MaxTest = 100)]
    public void Batch_encoding_equals_single_encodings_padded(int[][] picks)
    {
        var texts = (picks ?? Array.Empty<int[]>()).Select(Build).ToList();
        var batch = Uncased.EncodeBatch(texts, new EncodeOptions { Padding = PaddingStrategy.Longest });
        Assert.Equal(texts.Count, batch.Length);
        int longest = texts.Count == 0 ? 0 : texts.Max(t => Uncased.Encode(t).Length);
        for (int i = 0; i < texts.Count; i++)
        {
            var single = Uncased.Encode(texts[i]);
            Assert.Equal(longest, batch[i].Length);
            Assert.Equal(single.InputIds, batch[i].InputIds.Take(single.Length));
            Assert.Equal(single.Offsets, batch[i].Offsets.Take(single.Length));
            Assert.All(batch[i].AttentionMask.Skip(single.Length), m => Assert.Equal(0, m));
            Assert.All(batch[i].InputIds.Skip(single.Length), id => Assert.Equal(Uncased.PadTokenId, id));
        }
    }

    private static string Show(string s) =>
        "\"" + string.Concat(s.Select(c => c < 0x20 || c > 0x7E ? $"\\u{(int)c:X4}" : c.ToString())) + "\"";
}
