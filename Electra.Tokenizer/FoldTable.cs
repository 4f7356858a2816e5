using System.Text;

namespace Electra.Tokenizer;

/// <summary>
/// What lower-casing (when the tokenizer lower-cases) followed by accent stripping makes of one code point of the
/// BMP or of plane 1 (emoji, historic scripts) on its own, filled on first use: the basic tokenizer's per-char work
/// for non-ASCII text becomes one table read instead of ICU case mapping and normalisation per char.
/// </summary>
/// <remarks>
/// An entry is the code point lower-cased as <see cref="UnicodeSteps.AppendLower"/> does (or left alone), then
/// <see cref="UnicodeSteps.StripAccentsOfCodePoint"/>: folding a run code point by code point equals NFD of the whole
/// run minus Mn, which is what the general path computes, for the reason given there. A code point that cannot be
/// folded alone reads as such and the caller takes the general path for its run. Threads racing to fill an entry
/// compute equal values.
/// </remarks>
internal sealed class FoldTable
{
    // Entry values: 0 not computed yet, then the folded char itself, or one of these markers.
    private const char Unknown = '\0';
    /// <summary>Folds to nothing (a non-spacing mark).</summary>
    private const char Empty = '\u0001';
    /// <summary>Folds to several chars, kept in <see cref="Plane.Multi"/>.</summary>
    private const char Multi = '\u0002';
    /// <summary>Cannot be folded on its own.</summary>
    private const char NotPerChar = '\u0003';
    /// <summary>Folds to itself (a plane-1 code point: two UTF-16 units).</summary>
    private const char Same = '\u0004';

    private static FoldTable? s_lowered;
    private static FoldTable? s_cased;

    private readonly bool _lower;
    private readonly Plane _bmp = new();
    private Plane? _plane1;

    private sealed class Plane
    {
        internal readonly ushort[] Single = new ushort[0x10000];
        internal string?[]? Multi;
    }

    private FoldTable(bool lower) => _lower = lower;

    /// <summary>The table for a tokenizer that strips accents, lower-casing first when <paramref name="lower"/>.</summary>
    internal static FoldTable For(bool lower)
    {
        ref var slot = ref lower ? ref s_lowered : ref s_cased;
        return Volatile.Read(ref slot) ?? Interlocked.CompareExchange(ref slot, new FoldTable(lower), null) ?? slot!;
    }

    /// <summary>
    /// Appends the fold of <paramref name="c"/> (a non-surrogate char of 0x80 or above) to <paramref name="dst"/>,
    /// every unit spanning <c>[start, start + 1)</c>; false, appending nothing, when it cannot be folded alone.
    /// </summary>
    internal bool TryAppend(char c, AlignedText dst, int start)
    {
        char f = (char)Volatile.Read(ref _bmp.Single[c]);
        if (f == Unknown) f = Compute(_bmp, c, c);
        if (f > Same)
        {
            dst.Append(f, start, start + 1);
            return true;
        }
        return TryAppendMarked(_bmp, c, f, dst, start, start + 1);
    }

    /// <summary>
    /// Appends the fold of the supplementary code point <paramref name="r"/>, every unit spanning
    /// <c>[start, start + 2)</c>; false, appending nothing, outside plane 1 or when it cannot be folded alone.
    /// </summary>
    internal bool TryAppend(Rune r, AlignedText dst, int start)
    {
        int index = r.Value - 0x10000;
        if ((uint)index >= 0x10000) return false;
        var plane = Volatile.Read(ref _plane1) ?? Interlocked.CompareExchange(ref _plane1, new Plane(), null) ?? _plane1!;
        char f = (char)Volatile.Read(ref plane.Single[index]);
        if (f == Unknown) f = Compute(plane, index, r.Value);
        if (f > Same)
        {
            dst.Append(f, start, start + 2);
            return true;
        }
        return TryAppendMarked(plane, index, f, dst, start, start + 2);
    }

    private static bool TryAppendMarked(Plane plane, int index, char f, AlignedText dst, int start, int end)
    {
        switch (f)
        {
            case Empty:
                return true;
            case Multi:
                dst.Append(Volatile.Read(ref plane.Multi![index])!, start, end);
                return true;
            case Same:
                Span<char> pair = stackalloc char[2];
                new Rune(index + 0x10000).EncodeToUtf16(pair);
                dst.Append(pair, start, end);
                return true;
            default:
                return false;
        }
    }

    private char Compute(Plane plane, int index, int codePoint)
    {
        var r = new Rune(codePoint);
        var lowered = new AlignedText();
        if (_lower) UnicodeSteps.AppendLower(lowered, r, 0, 1);
        else UnicodeSteps.AppendRune(lowered, r, 0, 1);
        string? folded = UnicodeSteps.StripAccentsOfCodePoint(new string(lowered.Span));

        char f;
        if (folded is null) f = NotPerChar;
        else if (folded.Length == 0) f = Empty;
        else if (!r.IsBmp && folded == r.ToString()) f = Same;
        else if (folded.Length == 1 && folded[0] > Same) f = folded[0];
        else
        {
            var multi = Volatile.Read(ref plane.Multi) ?? Interlocked.CompareExchange(ref plane.Multi, new string?[0x10000], null) ?? plane.Multi!;
            // Written before the marker, so a reader that sees Multi finds the string.
            Volatile.Write(ref multi[index], folded);
            f = Multi;
        }
        Volatile.Write(ref plane.Single[index], (ushort)f);
        return f;
    }
}
