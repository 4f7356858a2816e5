using System.Collections.Immutable;

namespace Electra.Tokenizer;

public sealed partial class BertTokenizer
{
    /// <summary>
    /// Encodes many texts on all cores, in input order. With <see cref="PaddingStrategy.Longest"/> every encoding is
    /// padded to the longest of the batch (rounded up to pad_to_multiple_of).
    /// </summary>
    public ImmutableArray<BertEncoding> EncodeBatch(IReadOnlyList<string> texts, EncodeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(texts);
        return EncodeBatchCore(texts.Count, i => (texts[i], null), options);
    }

    /// <summary>Encodes many pairs (or single texts where the pair is null) on all cores, in input order.</summary>
    public ImmutableArray<BertEncoding> EncodeBatch(IReadOnlyList<(string Text, string? TextPair)> inputs, EncodeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        return EncodeBatchCore(inputs.Count, i => inputs[i], options);
    }

    private ImmutableArray<BertEncoding> EncodeBatchCore(int count, Func<int, (string Text, string? TextPair)> input, EncodeOptions? options)
    {
        var o = options ?? EncodeOptions.Default;
        Validate(o);
        var unpadded = o.Padding == PaddingStrategy.Longest ? o with { Padding = PaddingStrategy.None } : o;
        var results = new BertEncoding[count];
        // Chunks of inputs per task: one text is microseconds of work, too little to schedule alone.
        const int chunk = 64;
        int chunks = (count + chunk - 1) / chunk;
        Parallel.For(0, chunks, c =>
        {
            int end = Math.Min(count, (c + 1) * chunk);
            for (int i = c * chunk; i < end; i++)
            {
                var (text, pair) = input(i);
                if (text is null) throw new ArgumentException($"input {i}: text is null");
                results[i] = Encode(text, pair, unpadded);
            }
        });
        if (o.Padding == PaddingStrategy.Longest && count > 0)
        {
            int longest = RoundUp(results.Max(r => r.Length), o.PadToMultipleOf);
            var side = o.PaddingSide ?? Options.PaddingSide;
            for (int i = 0; i < count; i++) results[i] = Pad(results[i], longest, side);
        }
        return System.Runtime.InteropServices.ImmutableCollectionsMarshal.AsImmutableArray(results);
    }

    /// <summary>Pads <paramref name="encoding"/> to <paramref name="length"/> tokens (no-op when already as long).</summary>
    public BertEncoding Pad(BertEncoding encoding, int length, Side side = Side.Right)
    {
        ArgumentNullException.ThrowIfNull(encoding);
        int pad = length - encoding.Length;
        if (pad <= 0) return encoding;
        ImmutableArray<T> Extend<T>(ImmutableArray<T> values, T filler)
        {
            var builder = ImmutableArray.CreateBuilder<T>(length);
            if (side == Side.Left) for (int k = 0; k < pad; k++) builder.Add(filler);
            builder.AddRange(values);
            if (side == Side.Right) for (int k = 0; k < pad; k++) builder.Add(filler);
            return builder.MoveToImmutable();
        }
        return encoding with
        {
            Tokens = Extend(encoding.Tokens, Options.PadToken),
            InputIds = Extend(encoding.InputIds, PadTokenId),
            TokenTypeIds = Extend(encoding.TokenTypeIds, 0),
            AttentionMask = Extend(encoding.AttentionMask, 0),
            SpecialTokensMask = Extend(encoding.SpecialTokensMask, 1),
            Offsets = Extend(encoding.Offsets, default(TokenOffset)),
            WordIds = Extend(encoding.WordIds, (int?)null),
            SequenceIds = Extend(encoding.SequenceIds, (int?)null),
        };
    }
}
