using System.Globalization;
using System.Text;

namespace Electra.Tokenizer;

/// <summary>
/// The Unicode steps of the basic tokenizer (lower-casing, NFC, NFD with accent removal) applied to an
/// <see cref="AlignedText"/>, keeping every unit's span in the original string.
/// </summary>
internal static class UnicodeSteps
{
    /// <summary>
    /// Python's <c>str.lower()</c> of one code point. .NET's invariant lower-casing is the simple mapping, which
    /// matches Python's full mapping except for U+0130 (the only unconditional multi-char lower-case mapping).
    /// </summary>
    internal static void AppendLower(AlignedText dst, Rune r, int start, int end)
    {
        if (r.Value == 0x130)
        {
            dst.Append('i', start, end);
            dst.Append('\u0307', start, end);
            return;
        }
        var lower = Rune.ToLowerInvariant(r);
        if (lower.IsBmp) dst.Append((char)lower.Value, start, end);
        else
        {
            Span<char> pair = stackalloc char[2];
            lower.EncodeToUtf16(pair);
            dst.Append(pair, start, end);
        }
    }

    internal static void AppendRune(AlignedText dst, Rune r, int start, int end)
    {
        if (r.IsBmp) dst.Append((char)r.Value, start, end);
        else
        {
            Span<char> pair = stackalloc char[2];
            r.EncodeToUtf16(pair);
            dst.Append(pair, start, end);
        }
    }

    /// <summary>Lower-cases every code point of <paramref name="src"/> into <paramref name="dst"/>.</summary>
    internal static void Lower(AlignedText src, AlignedText dst)
    {
        dst.Clear();
        var span = src.Span;
        int i = 0;
        while (i < span.Length)
        {
            Rune.DecodeFromUtf16(span[i..], out var r, out int n);
            var (s, e) = src.SourceSpan(i, i + n);
            AppendLower(dst, r, s, e);
            i += n;
        }
    }

    /// <summary>
    /// Per BMP char: its NFD with Mn removed, or <see cref="NotPerChar"/>; filled on first use. Threads racing to
    /// fill an entry compute equal values, and a reader sees either null (and computes) or a complete string.
    /// </summary>
    private static readonly string?[] StrippedBmp = new string?[0x10000];

    /// <summary>Marks chars that per-char stripping must not handle (a fresh instance, compared by reference).</summary>
    private static readonly string NotPerChar = new('\uFFFF', 1);

    /// <summary>
    /// Strips accents char by char from a cache. Equal to NFD of the whole text minus Mn because canonical
    /// reordering only moves chars with a non-zero combining class, which are Mn (dropped) or Mc/Me: any char whose
    /// decomposition holds Mc/Me, and any surrogate, makes this return false and leave the work to
    /// <see cref="Normalize"/>.
    /// </summary>
    internal static bool TryStripAccentsPerChar(AlignedText src, AlignedText dst)
    {
        dst.Clear();
        for (int i = 0; i < src.Length; i++)
        {
            char c = src.Chars[i];
            if (c < 0x80)
            {
                dst.Append(c, src.Starts[i], src.Ends[i]);
                continue;
            }
            var stripped = System.Threading.Volatile.Read(ref StrippedBmp[c]) ?? ComputeStrip(c);
            if (ReferenceEquals(stripped, NotPerChar)) return false;
            dst.Append(stripped, src.Starts[i], src.Ends[i]);
        }
        return true;
    }

    private static string ComputeStrip(char c)
    {
        string result;
        if (char.IsSurrogate(c)) result = NotPerChar;
        else
        {
            var decomposed = SafeNormalize(c.ToString(), NormalizationForm.FormD);
            result = decomposed.Any(d => char.IsSurrogate(d)
                    || char.GetUnicodeCategory(d) is UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark)
                ? NotPerChar
                : DropNonSpacingMarks(decomposed);
        }
        System.Threading.Volatile.Write(ref StrippedBmp[c], result);
        return result;
    }

    /// <summary>
    /// NFD of a code point's lower-cased (or unchanged) text with Mn removed, or null when the decomposition holds a
    /// char that canonical ordering may move but stripping keeps. Stripping a text code point by code point equals
    /// NFD of the whole text minus Mn: NFD decomposes each code point on its own and then only reorders runs of chars
    /// with a non-zero combining class; when every such char is Mn, stripping removes them all and their order is lost.
    /// A spacing or enclosing mark with class 0 (Devanagari and Bengali vowel signs, U+20E3) is a starter and stays.
    /// </summary>
    internal static string? StripAccentsOfCodePoint(string text)
    {
        var decomposed = SafeNormalize(text, NormalizationForm.FormD);
        foreach (var r in decomposed.EnumerateRunes())
            if (Rune.GetUnicodeCategory(r) != UnicodeCategory.NonSpacingMark && HasNonZeroCombiningClass(r))
                return null;
        return DropNonSpacingMarks(decomposed);
    }

    /// <summary>
    /// Whether canonical ordering may move <paramref name="r"/> (a char of an NFD text), read from the normaliser
    /// itself since .NET exposes no combining classes: a char of class c &gt; 0 moves ahead of U+0345 (class 240)
    /// when c &lt; 240, and behind U+0334 (class 1) when c &gt; 1; a starter moves past neither.
    /// </summary>
    private static bool HasNonZeroCombiningClass(Rune r)
    {
        if (r.Value < 0x300) return false;
        var x = r.ToString();
        return SafeNormalize("\u0345" + x, NormalizationForm.FormD) != "\u0345" + x
            || SafeNormalize(x + "\u0334", NormalizationForm.FormD) != x + "\u0334";
    }

    /// <summary>
    /// Applies Unicode normalisation <paramref name="form"/> (and, when <paramref name="dropMarks"/>, removes category
    /// Mn) to the whole text, exactly as one call on the whole string would. Spans are kept per unit where a
    /// character is unchanged, per combining sequence where one changes, and fall back to the whole word's span if
    /// sequence-wise normalisation ever disagrees with whole-string normalisation.
    /// </summary>
    internal static void Normalize(AlignedText src, AlignedText dst, NormalizationForm form, bool dropMarks)
    {
        dst.Clear();
        var s = new string(src.Span);
        var whole = SafeNormalize(s, form);
        if (dropMarks) whole = DropNonSpacingMarks(whole);
        if (ReferenceEquals(whole, s) || whole == s)
        {
            dst.CopyFrom(src, 0, src.Length);
            return;
        }
        int i = 0;
        while (i < s.Length)
        {
            int j = i + (char.IsHighSurrogate(s[i]) && i + 1 < s.Length ? 2 : 1);
            while (j < s.Length)
            {
                Rune.DecodeFromUtf16(s.AsSpan(j), out var next, out int n);
                if (!CharClasses.MayAttachToPrevious(next)) break;
                j += n;
            }
            var chunk = s.Substring(i, j - i);
            var norm = SafeNormalize(chunk, form);
            if (dropMarks) norm = DropNonSpacingMarks(norm);
            if (norm == chunk) dst.CopyFrom(src, i, j - i);
            else
            {
                var (a, b) = src.SourceSpan(i, j);
                dst.Append(norm, a, b);
            }
            i = j;
        }
        if (!dst.Span.SequenceEqual(whole))
        {
            var (a, b) = src.SourceSpan(0, src.Length);
            dst.Clear();
            dst.Append(whole, a, b);
        }
    }

    /// <summary>
    /// string.Normalize, which throws on some code points Python normalises without complaint; those reach here
    /// only if .NET's tables disagree with the cleaning step, and are then left as they are.
    /// </summary>
    internal static string SafeNormalize(string s, NormalizationForm form)
    {
        try
        {
            return s.IsNormalized(form) ? s : s.Normalize(form);
        }
        catch (ArgumentException)
        {
            return s;
        }
    }

    internal static string DropNonSpacingMarks(string s)
    {
        StringBuilder? sb = null;
        int i = 0;
        while (i < s.Length)
        {
            Rune.DecodeFromUtf16(s.AsSpan(i), out var r, out int n);
            bool mark = r.Value >= 0x300 && Rune.GetUnicodeCategory(r) == UnicodeCategory.NonSpacingMark;
            if (mark && sb is null) sb = new StringBuilder(s, 0, i, s.Length);
            else if (!mark && sb is not null) sb.Append(s, i, n);
            i += n;
        }
        return sb?.ToString() ?? s;
    }
}
