using System.Collections.Immutable;
using Electra.Tokenizer;

namespace Electra.Tests.Pipelines;

/// <summary>
/// Tokenizers over made-up vocabularies: the fixture checkpoints have tiny vocabularies with no vocab.txt, so their
/// pipelines get one whose size matches vocab_size ("w5", "w6", ... as words).
/// </summary>
internal static class TinyVocab
{
    public static readonly string[] Specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];

    public static BertTokenizer Numbered(int size) =>
        new(new Vocabulary(Specials.Concat(Enumerable.Range(Specials.Length, size - Specials.Length).Select(i => $"w{i}"))));

    public static BertTokenizer Of(params string[] words) => new(new Vocabulary(Specials.Concat(words)));

    /// <summary>An encoding of hand-picked tokens with their offsets, [CLS] and [SEP] around them.</summary>
    public static BertEncoding Encoding(BertTokenizer tok, params (string Token, int Start, int End, int Word)[] tokens)
    {
        var all = new List<(string Token, int Start, int End, int? Word, bool Special)> { ("[CLS]", 0, 0, null, true) };
        all.AddRange(tokens.Select(t => (t.Token, t.Start, t.End, (int?)t.Word, false)));
        all.Add(("[SEP]", 0, 0, null, true));
        return new BertEncoding(
            all.Select(t => t.Token).ToImmutableArray(),
            all.Select(t => tok.Vocabulary.IdOf(t.Token) ?? tok.UnkTokenId).ToImmutableArray(),
            all.Select(_ => 0).ToImmutableArray(),
            all.Select(_ => 1).ToImmutableArray(),
            all.Select(t => t.Special ? 1 : 0).ToImmutableArray(),
            all.Select(t => new TokenOffset(t.Start, t.End)).ToImmutableArray(),
            all.Select(t => t.Word).ToImmutableArray(),
            all.Select(t => t.Special ? null : (int?)0).ToImmutableArray(),
            ImmutableArray<int>.Empty,
            0);
    }
}
