namespace Electra.Tokenizer;

public sealed partial class BertTokenizer
{
    /// <summary>A/B switch for benchmarks: false makes <see cref="EncodeIds(string, Span{int})"/> track spans as the full path does.</summary>
    internal static bool IdsOnlySkipsSpans = true;

    /// <summary>
    /// The allocation-free path: writes <c>[CLS] ids [SEP]</c> of <paramref name="text"/> into
    /// <paramref name="destination"/> and returns how many ids were written. When the text has more tokens than fit,
    /// it is truncated as transformers' longest_first with max_length = destination length (the last slot is [SEP]).
    /// </summary>
    /// <exception cref="TokenizerInputException">The destination holds fewer than 2 ids.</exception>
    public int EncodeIds(string text, Span<int> destination)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (destination.Length < 2)
            throw new TokenizerInputException($"the destination holds {destination.Length} ids; [CLS] and [SEP] alone need 2");
        // Ids only: no spans to map back, no word ids (the ids are those of the full path, which tests hold it to).
        var list = Tokens(ref t_first, tracksSpans: !IdsOnlySkipsSpans);
        _text.Tokenize(text, list, null);
        int keep = Math.Min(list.Count, destination.Length - 2);
        destination[0] = ClsTokenId;
        list.Ids.AsSpan(0, keep).CopyTo(destination[1..]);
        destination[keep + 1] = SepTokenId;
        return keep + 2;
    }

    /// <summary>See <see cref="EncodeIds(string, Span{int})"/>.</summary>
    public int EncodeIds(string text, int[] destination) => EncodeIds(text, destination.AsSpan());

    /// <summary>See <see cref="EncodeIds(string, Span{int})"/>.</summary>
    public int EncodeIds(string text, Memory<int> destination) => EncodeIds(text, destination.Span);
}

public sealed partial class BertTokenizer
{
    /// <summary>
    /// The allocation-free batch path: encodes <paramref name="texts"/> on all cores into row-major
    /// <c>[texts.Count, rowLength]</c> matrices, each row <c>[CLS] ids [SEP]</c> truncated as
    /// <see cref="EncodeIds(string, Span{int})"/> does and padded with [PAD] (mask 0). Returns each row's token count.
    /// </summary>
    /// <exception cref="TokenizerInputException">rowLength is below 2 or a matrix is smaller than texts.Count × rowLength.</exception>
    public int[] EncodeBatchIds(IReadOnlyList<string> texts, Memory<int> inputIds, Memory<int> attentionMask, int rowLength)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (rowLength < 2) throw new TokenizerInputException($"rowLength must be at least 2 ([CLS] and [SEP]), got {rowLength}");
        long needed = (long)texts.Count * rowLength;
        if (inputIds.Length < needed || attentionMask.Length < needed)
            throw new TokenizerInputException($"{texts.Count} rows of {rowLength} need {needed} ids; inputIds holds {inputIds.Length}, attentionMask {attentionMask.Length}");
        var lengths = new int[texts.Count];
        const int chunk = 64;
        int chunks = (texts.Count + chunk - 1) / chunk;
        Parallel.For(0, chunks, c =>
        {
            var ids = inputIds.Span;
            var mask = attentionMask.Span;
            int end = Math.Min(texts.Count, (c + 1) * chunk);
            for (int i = c * chunk; i < end; i++)
            {
                var row = ids.Slice(i * rowLength, rowLength);
                int n = EncodeIds(texts[i] ?? throw new ArgumentException($"text {i} is null", nameof(texts)), row);
                row[n..].Fill(PadTokenId);
                var maskRow = mask.Slice(i * rowLength, rowLength);
                maskRow[..n].Fill(1);
                maskRow[n..].Clear();
                lengths[i] = n;
            }
        });
        return lengths;
    }

    /// <summary>See <see cref="EncodeBatchIds(IReadOnlyList{string}, Memory{int}, Memory{int}, int)"/>.</summary>
    public int[] EncodeBatchIds(IReadOnlyList<string> texts, int[] inputIds, int[] attentionMask, int rowLength) =>
        EncodeBatchIds(texts, inputIds.AsMemory(), attentionMask.AsMemory(), rowLength);
}
