using System.Text;
using Electra.Tokenizer;

namespace Electra.Fuzz;

/// <summary>
/// The tokenizer on arbitrary text (UTF-8 decoded, and raw UTF-16 for lone surrogates) with options taken from the
/// first bytes; checks the invariants every encoding must satisfy (ids in the vocabulary, offsets inside the text,
/// lengths within max_length when truncating).
/// </summary>
public sealed class TokenizerTarget : FuzzTarget
{
    private BertTokenizer? _tokenizer;
    public override string Name => "tokenizer";

    public override IEnumerable<byte[]> Seeds(string repoRoot)
    {
        _tokenizer = BertTokenizer.Load(Path.Combine(repoRoot, "models", "electra-tiny-rtd", "discriminator"));
        var corpus = Shared(repoRoot, "fixtures", "tokenizer", "corpus.txt");
        return File.ReadLines(corpus).Where(l => l.Length > 0).Take(500)
            .Select(l => (byte[])[0, 0, .. Encoding.UTF8.GetBytes(l)]);
    }

    public override void Execute(byte[] input)
    {
        var tokenizer = _tokenizer!;
        if (input.Length < 2) input = [.. input, 0, 0];
        byte a = input[0], b = input[1];
        var body = input.AsSpan(2);
        string text = (a & 1) == 0 ? Encoding.UTF8.GetString(body) : new string(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, char>(body[..(body.Length & ~1)]));
        string? pair = null;
        if ((a & 2) != 0)
        {
            int cut = text.Length == 0 ? 0 : b % (text.Length + 1);
            (text, pair) = (text[..cut], text[cut..]);
        }
        var truncation = (TruncationStrategy)((a >> 2) & 3);
        var options = new EncodeOptions
        {
            AddSpecialTokens = (a & 16) == 0,
            Truncation = truncation,
            MaxLength = truncation == TruncationStrategy.None ? null : b % 40,
            Stride = (b >> 5) & 3,
            Padding = (a & 32) == 0 ? PaddingStrategy.None : PaddingStrategy.MaxLength,
            PadToMultipleOf = (a & 64) == 0 ? null : 1 + (b & 7),
        };
        BertEncoding encoding;
        try
        {
            encoding = tokenizer.Encode(text, pair, options);
        }
        catch (Electra.Core.Errors.ElectraException) when (truncation != TruncationStrategy.None)
        {
            // Truncation that cannot be satisfied (max_length below the special tokens, only_second without a pair)
            // is refused with a typed error, as transformers refuses it; nothing more to check.
            return;
        }
        Check(encoding.InputIds.All(id => (uint)id < (uint)tokenizer.Vocabulary.Count), "id outside the vocabulary");
        Check(encoding.InputIds.Length == encoding.Offsets.Length && encoding.Tokens.Length == encoding.InputIds.Length
              && encoding.AttentionMask.Length == encoding.InputIds.Length && encoding.TokenTypeIds.Length == encoding.InputIds.Length,
            "parallel arrays differ in length");
        for (int i = 0; i < encoding.Offsets.Length; i++)
        {
            var o = encoding.Offsets[i];
            var source = encoding.SequenceIds[i] == 1 ? pair! : text;
            Check(o.Start >= 0 && o.Start <= o.End && o.End <= (encoding.SequenceIds[i] is null ? 0 : source.Length), $"offset {o} of token {i} outside its text");
        }
        // Like transformers' slow tokenizer, truncation leaves the input whole (and logs) when the sequence to cut is
        // not longer than the tokens to remove: only_first/only_second always may, longest_first on a single text
        // when max_length leaves no room for a text token; max_length 0 is falsy there and truncates nothing.
        // Elsewhere the length bound must hold.
        int specials = options.AddSpecialTokens ? (pair is null ? 2 : 3) : 0;
        if (truncation == TruncationStrategy.LongestFirst && options.Padding == PaddingStrategy.None && options.MaxLength is int max
            && max > 0 && (pair is null ? max > specials : max >= specials))
            Check(encoding.Length <= max, $"length {encoding.Length} above max_length {max}");
        _ = tokenizer.Decode(encoding.InputIds.ToArray(), skipSpecialTokens: (b & 1) == 1);
        Span<int> ids = stackalloc int[64];
        _ = tokenizer.EncodeIds(text, ids);
    }

    private static void Check(bool condition, string what)
    {
        if (!condition) throw new InvalidOperationException("tokenizer invariant broken: " + what);
    }
}
