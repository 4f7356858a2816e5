using Electra.Core.Errors;

namespace Electra.Tokenizer;

public sealed partial class BertTokenizer
{
    /// <summary>
    /// The allocation-free path: writes <c>[CLS] ids [SEP]</c> of <paramref name="text"/> into
    /// <paramref name="destination"/> and returns how many ids were written. When the text has more tokens than fit,
    /// it is truncated as transformers' longest_first with max_length = destination length (the last slot is [SEP]).
    /// </summary>
    /// <exception cref="InputException">The destination holds fewer than 2 ids.</exception>
    public int EncodeIds(string text, Span<int> destination)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (destination.Length < 2)
            throw new InputException($"the destination holds {destination.Length} ids; [CLS] and [SEP] alone need 2");
        var list = Tokens(ref t_first);
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
