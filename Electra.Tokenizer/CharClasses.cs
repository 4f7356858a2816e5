using System.Globalization;
using System.Text;

namespace Electra.Tokenizer;

/// <summary>
/// The character classes of transformers' BasicTokenizer (tokenization_bert.py: _is_whitespace, _is_control,
/// _is_punctuation, _is_chinese_char), with an ASCII table so the common case costs one array read.
/// </summary>
internal static class CharClasses
{
    /// <summary>What the basic tokenizer does with a character before splitting words.</summary>
    internal enum Kind : byte
    {
        /// <summary>Kept and part of a word.</summary>
        WordChar,
        /// <summary>Dropped by text cleaning (NUL, U+FFFD, category C* other than \t \n \r); joins its neighbours.</summary>
        Removed,
        /// <summary>Separates words: cleaned to a space, or Python <c>str.split()</c> whitespace that survives cleaning (U+2028, U+2029).</summary>
        Whitespace,
        /// <summary>Split off as a word of its own (P* or ASCII symbol), but only after lower-casing and accent stripping.</summary>
        Punctuation,
        /// <summary>A CJK ideograph, surrounded by spaces when tokenize_chinese_chars is on.</summary>
        Cjk,
    }

    private static readonly Kind[] Ascii = BuildAscii();

    private static Kind[] BuildAscii()
    {
        var table = new Kind[128];
        for (int c = 0; c < 128; c++)
        {
            if (c is '\t' or '\n' or '\r' or ' ') table[c] = Kind.Whitespace;
            else if (c < 0x20 || c == 0x7F) table[c] = Kind.Removed;
            else if (c is >= 33 and <= 47 or >= 58 and <= 64 or >= 91 and <= 96 or >= 123 and <= 126) table[c] = Kind.Punctuation;
            else table[c] = Kind.WordChar;
        }
        return table;
    }

    /// <summary>Classifies an ASCII char (c &lt; 128).</summary>
    internal static Kind OfAscii(char c) => Ascii[c];

    // Every BMP char's scan kind (CJK reported as such) in the low bits, and whether it is punctuation: one byte
    // read instead of a category lookup per char on non-ASCII text. 64 KiB, built from OfRuneForScan and
    // IsPunctuation, so the two cannot disagree, on the first non-ASCII char (a nested class, so ASCII-only use
    // never pays the millisecond it takes).
    private const byte KindBits = 0x7;
    private const byte PunctuationBit = 0x8;

    private static class BmpTable
    {
        internal static readonly byte[] Bytes = BuildBmp();
    }

    private static byte[] BuildBmp()
    {
        var table = new byte[0x10000];
        for (int c = 0; c < table.Length; c++)
        {
            // A lone surrogate is never looked up here (callers decode pairs); as a rune it would be U+FFFD.
            if (char.IsSurrogate((char)c)) { table[c] = (byte)Kind.Removed; continue; }
            var r = new Rune(c);
            table[c] = (byte)((byte)OfRuneForScan(r, splitCjk: true) | (IsPunctuation(r) ? PunctuationBit : 0));
        }
        return table;
    }

    /// <summary><see cref="OfRuneForScan"/> of a char that is not a surrogate.</summary>
    internal static Kind OfBmpForScan(char c, bool splitCjk)
    {
        var kind = (Kind)(BmpTable.Bytes[c] & KindBits);
        return kind == Kind.Cjk && !splitCjk ? Kind.WordChar : kind;
    }

    /// <summary><see cref="IsPunctuation"/> of a char that is not a surrogate.</summary>
    internal static bool IsPunctuationBmp(char c) => (BmpTable.Bytes[c] & PunctuationBit) != 0;

    /// <summary>
    /// Classifies a code point for the word-splitting scan. CJK is reported only when <paramref name="splitCjk"/> is
    /// set; otherwise ideographs are word characters. Punctuation is reported as <see cref="Kind.WordChar"/> by
    /// <see cref="OfRuneForScan"/> because punctuation is split later, after normalisation.
    /// </summary>
    internal static Kind OfRuneForScan(Rune r, bool splitCjk)
    {
        int cp = r.Value;
        if (cp < 128) return Ascii[cp] == Kind.Punctuation ? Kind.WordChar : Ascii[cp];
        if (cp == 0xFFFD) return Kind.Removed;
        if (cp is 0x2028 or 0x2029) return Kind.Whitespace;
        if (splitCjk && IsCjkIdeograph(cp)) return Kind.Cjk;
        var cat = Rune.GetUnicodeCategory(r);
        if (cat == UnicodeCategory.SpaceSeparator) return Kind.Whitespace;
        if (IsOtherCategory(cat)) return Kind.Removed;
        return Kind.WordChar;
    }

    private static bool IsOtherCategory(UnicodeCategory cat) => cat is UnicodeCategory.Control or UnicodeCategory.Format
        or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned;

    /// <summary>tokenization_bert.py _is_punctuation: ASCII symbols 33–47, 58–64, 91–96, 123–126, or category P*.</summary>
    internal static bool IsPunctuation(Rune r)
    {
        int cp = r.Value;
        if (cp < 128) return Ascii[cp] == Kind.Punctuation;
        return Rune.GetUnicodeCategory(r) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
            or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;
    }

    /// <summary>tokenization_bert.py _is_chinese_char: the CJK Unified Ideographs blocks and compatibility blocks.</summary>
    internal static bool IsCjkIdeograph(int cp) =>
        cp is >= 0x4E00 and <= 0x9FFF
            or >= 0x3400 and <= 0x4DBF
            or >= 0x20000 and <= 0x2A6DF
            or >= 0x2A700 and <= 0x2B73F
            or >= 0x2B740 and <= 0x2B81F
            or >= 0x2B820 and <= 0x2CEAF
            or >= 0xF900 and <= 0xFAFF
            or >= 0x2F800 and <= 0x2FA1F;

    /// <summary>True for characters that may combine with what precedes them under NFC/NFD (marks, Hangul V/T jamo).</summary>
    internal static bool MayAttachToPrevious(Rune r)
    {
        int cp = r.Value;
        if (cp < 0x300) return false;
        if (cp is >= 0x1160 and <= 0x11FF) return true;
        return Rune.GetUnicodeCategory(r) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark
            or UnicodeCategory.EnclosingMark;
    }
}
