using System.Globalization;
using System.Text;

namespace Electra.Cli.Text;

/// <summary>
/// How many terminal columns a string takes: East Asian Wide and Fullwidth characters (UAX #11: CJK ideographs, kana,
/// Hangul, fullwidth forms, most emoji) take two, combining marks and format characters none, everything else one —
/// so table columns line up under Chinese, Japanese and Korean words as they do under Latin ones.
/// </summary>
public static class DisplayWidth
{
    /// <summary>The columns <paramref name="text"/> takes in a terminal.</summary>
    public static int Of(string text)
    {
        int width = 0;
        foreach (var rune in text.EnumerateRunes()) width += Of(rune);
        return width;
    }

    /// <summary>0, 1 or 2 columns.</summary>
    public static int Of(Rune rune)
    {
        int c = rune.Value;
        if (c == 0) return 0;
        var category = Rune.GetUnicodeCategory(rune);
        if (category is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark or UnicodeCategory.Format) return 0;
        if (c is >= 0x1160 and <= 0x11FF) return 0;   // Hangul medial vowels and final consonants join the syllable before
        return IsWide(c) ? 2 : 1;
    }

    /// <summary><paramref name="text"/> followed by spaces up to <paramref name="columns"/> display columns (as <see cref="string.PadRight(int)"/> counts characters).</summary>
    public static string PadRight(string text, int columns)
    {
        int pad = columns - Of(text);
        return pad > 0 ? text + new string(' ', pad) : text;
    }

    // East_Asian_Width W and F ranges (Unicode 15 EastAsianWidth.txt, merged where adjacent).
    private static bool IsWide(int c) => c switch
    {
        >= 0x1100 and <= 0x115F => true,     // Hangul Jamo initial consonants
        >= 0x231A and <= 0x231B => true,
        >= 0x2329 and <= 0x232A => true,
        >= 0x23E9 and <= 0x23EC => true,
        0x23F0 or 0x23F3 => true,
        >= 0x25FD and <= 0x25FE => true,
        >= 0x2614 and <= 0x2615 => true,
        >= 0x2648 and <= 0x2653 => true,
        0x267F or 0x2693 or 0x26A1 or 0x26AA or 0x26AB or 0x26BD or 0x26BE or 0x26C4 or 0x26C5 or 0x26CE or 0x26D4 or 0x26EA
            or 0x26F2 or 0x26F3 or 0x26F5 or 0x26FA or 0x26FD or 0x2705 or 0x270A or 0x270B or 0x2728 or 0x274C or 0x274E
            or 0x2753 or 0x2754 or 0x2755 or 0x2757 or 0x27B0 or 0x27BF or 0x2B1B or 0x2B1C or 0x2B50 or 0x2B55 => true,
        >= 0x2795 and <= 0x2797 => true,
        >= 0x2E80 and <= 0x303E => true,     // CJK radicals, Kangxi, ideographic description, CJK symbols and punctuation
        >= 0x3041 and <= 0x33FF => true,     // Hiragana, Katakana, Bopomofo, Hangul compatibility Jamo, Kanbun, CJK strokes, enclosed, compatibility
        >= 0x3400 and <= 0x4DBF => true,     // CJK Extension A
        >= 0x4E00 and <= 0x9FFF => true,    // CJK Unified Ideographs
        >= 0xA000 and <= 0xA4CF => true,     // Yi
        >= 0xA960 and <= 0xA97F => true,     // Hangul Jamo Extended-A
        >= 0xAC00 and <= 0xD7A3 => true,     // Hangul syllables
        >= 0xF900 and <= 0xFAFF => true,     // CJK compatibility ideographs
        >= 0xFE10 and <= 0xFE19 => true,     // vertical forms
        >= 0xFE30 and <= 0xFE6F => true,     // CJK compatibility forms, small form variants
        >= 0xFF00 and <= 0xFF60 => true,     // fullwidth forms
        >= 0xFFE0 and <= 0xFFE6 => true,
        >= 0x16FE0 and <= 0x18CFF => true,   // Tangut, Khitan and their components
        >= 0x1B000 and <= 0x1B2FF => true,   // Kana supplement and extensions, Nüshu
        >= 0x1F004 and <= 0x1F004 => true,
        0x1F0CF or 0x1F18E => true,
        >= 0x1F191 and <= 0x1F19A => true,
        >= 0x1F200 and <= 0x1F2FF => true,   // enclosed ideographic supplement
        >= 0x1F300 and <= 0x1F64F => true,   // pictographs, emoticons (text-default exceptions aside)
        >= 0x1F680 and <= 0x1F6FF => true,   // transport and map symbols
        >= 0x1F7E0 and <= 0x1F7EB => true,
        >= 0x1F90C and <= 0x1F9FF => true,   // supplemental symbols and pictographs
        >= 0x1FA70 and <= 0x1FAFF => true,   // symbols and pictographs extended-A
        >= 0x20000 and <= 0x2FFFD => true,   // CJK Extensions B–F, compatibility supplement
        >= 0x30000 and <= 0x3FFFD => true,   // CJK Extensions G, H
        _ => false,
    };
}
