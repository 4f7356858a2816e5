using System.Text;

namespace Electra.Tokenizer;

/// <summary>
/// Normalised text being built for one word, each UTF-16 unit remembering the span of the original string it came
/// from. Normalisation steps that change the text keep these spans as precise as the change allows.
/// </summary>
internal sealed class AlignedText
{
    internal char[] Chars = new char[64];
    internal int[] Starts = new int[64];
    internal int[] Ends = new int[64];
    internal int Length;

    internal void Clear() => Length = 0;

    internal ReadOnlySpan<char> Span => Chars.AsSpan(0, Length);

    internal void Append(char c, int start, int end)
    {
        if (Length == Chars.Length) Grow(Length + 1);
        Chars[Length] = c;
        Starts[Length] = start;
        Ends[Length] = end;
        Length++;
    }

    internal void Append(ReadOnlySpan<char> text, int start, int end)
    {
        if (Length + text.Length > Chars.Length) Grow(Length + text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            Chars[Length] = text[i];
            Starts[Length] = start;
            Ends[Length] = end;
            Length++;
        }
    }

    private void Grow(int atLeast)
    {
        int n = Math.Max(atLeast, Chars.Length * 2);
        Array.Resize(ref Chars, n);
        Array.Resize(ref Starts, n);
        Array.Resize(ref Ends, n);
    }

    internal void CopyFrom(AlignedText other, int from, int count)
    {
        if (Length + count > Chars.Length) Grow(Length + count);
        Array.Copy(other.Chars, from, Chars, Length, count);
        Array.Copy(other.Starts, from, Starts, Length, count);
        Array.Copy(other.Ends, from, Ends, Length, count);
        Length += count;
    }

    /// <summary>Span of the original string covered by units [from, to).</summary>
    internal (int Start, int End) SourceSpan(int from, int to)
    {
        int s = int.MaxValue, e = int.MinValue;
        for (int i = from; i < to; i++)
        {
            s = Math.Min(s, Starts[i]);
            e = Math.Max(e, Ends[i]);
        }
        return (s, e);
    }
}
