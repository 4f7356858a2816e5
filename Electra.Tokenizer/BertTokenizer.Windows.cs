using System.Collections.Immutable;

namespace Electra.Tokenizer;

public sealed partial class BertTokenizer
{
    /// <summary>
    /// Splits a long input into overlapping windows, as the fast tokenizer does with
    /// <c>return_overflowing_tokens=True, stride=...</c> (what the question-answering pipeline feeds the model): the
    /// truncated sequence (the only text, the first with only_first, the second with only_second) is cut into
    /// pieces of the room max_length leaves, each starting <c>room - stride</c> tokens after the previous one, and
    /// every piece is encoded with the other sequence whole. Offsets, word ids and sequence ids refer to the
    /// original strings, so answers map back to characters. Without truncation, or when the input fits, there is
    /// one window.
    /// </summary>
    /// <exception cref="TokenizerInputException">
    /// longest_first with a pair, left truncation, a stride not smaller than the room per window, or a fixed
    /// sequence that leaves no room.
    /// </exception>
    public ImmutableArray<BertEncoding> EncodeWindows(string text, string? textPair = null, EncodeOptions? options = null)
    {
        var (o, first, second, words) = TokenizeInputs(text, textPair, options);
        int numSpecial = o.AddSpecialTokens ? (second is null ? 2 : 3) : 0;
        int total = first.Count + (second?.Count ?? 0) + numSpecial;
        int? maxLength = ResolveMaxLength(o);
        int? padTo = o.Padding == PaddingStrategy.MaxLength ? maxLength : null;
        int lenB = second?.Count ?? 0;

        if (o.Truncation == TruncationStrategy.None || maxLength is not int m || total <= m)
            return ImmutableArray.Create(WithWords(Assemble(first, second, o, padTo)));
        if (second is not null && o.Truncation == TruncationStrategy.LongestFirst)
            throw new TokenizerInputException("windows over a pair need truncation only_first or only_second, not longest_first");
        if ((o.TruncationSide ?? Options.TruncationSide) == Side.Left)
            throw new TokenizerInputException("windows are cut from the right; left truncation is not supported for them");

        bool windowsOverSecond = second is not null && o.Truncation == TruncationStrategy.OnlySecond;
        var cut = windowsOverSecond ? second! : first;
        int fixedLength = windowsOverSecond ? first.Count : lenB;
        int room = m - numSpecial - fixedLength;
        if (room <= 0)
            throw new TokenizerInputException($"max_length {m} leaves no room for the {(windowsOverSecond ? "second" : "first")} sequence: " +
                $"{numSpecial} special tokens and {fixedLength} tokens of the other sequence");
        if (o.Stride >= room)
            throw new TokenizerInputException($"stride {o.Stride} must be smaller than the {room} tokens each window holds (max_length {m})");

        var windows = ImmutableArray.CreateBuilder<BertEncoding>();
        int step = room - o.Stride;
        for (int start = 0; ; start += step)
        {
            int count = Math.Min(room, cut.Count - start);
            var window = windowsOverSecond
                ? Build(first, 0, first.Count, second, start, count, o, padTo, Array.Empty<int>(), total - m)
                : Build(first, start, count, second, 0, lenB, o, padTo, Array.Empty<int>(), total - m);
            windows.Add(WithWords(window));
            if (start + count >= cut.Count) break;
        }
        if (o.Padding == PaddingStrategy.Longest && windows.Count > 1)
        {
            int longest = RoundUp(windows.Max(w => w.Length), o.PadToMultipleOf);
            var side = o.PaddingSide ?? Options.PaddingSide;
            for (int i = 0; i < windows.Count; i++) windows[i] = Pad(windows[i], longest, side);
        }
        return windows.ToImmutable();

        BertEncoding WithWords(BertEncoding e) => words is null ? e : words.On(e);
    }
}
