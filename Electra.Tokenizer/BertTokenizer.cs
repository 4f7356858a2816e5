using System.Collections.Immutable;
using System.Runtime.InteropServices;

namespace Electra.Tokenizer;

/// <summary>
/// BERT's WordPiece tokenizer, as ELECTRA uses it, giving the same tokens and ids as transformers' BertTokenizer on
/// any text, with the fast tokenizer's offsets and word ids. Immutable and thread-safe.
/// </summary>
/// <remarks>
/// Offsets are UTF-16 indices into the .NET string that was encoded (a character outside the BMP spans two).
/// </remarks>
/// <example><code>
/// var tok = BertTokenizer.Load("models/electra-small-discriminator");
/// var enc = tok.Encode("Who wrote it?", "It was written in 1990.", new EncodeOptions { Truncation = TruncationStrategy.OnlySecond, MaxLength = 64 });
/// </code></example>
public sealed partial class BertTokenizer
{
    private readonly BasicTokenizer _text;
    private readonly ImmutableHashSet<int> _specialIds;

    [ThreadStatic] private static TokenList? t_first;
    [ThreadStatic] private static TokenList? t_second;

    /// <summary>The vocabulary.</summary>
    public Vocabulary Vocabulary { get; }

    /// <summary>The options the tokenizer was built with.</summary>
    public BertTokenizerOptions Options { get; }

    public int UnkTokenId { get; }
    public int ClsTokenId { get; }
    public int SepTokenId { get; }
    public int PadTokenId { get; }

    /// <summary>The [MASK] id, or null when the vocabulary has no mask token.</summary>
    public int? MaskTokenId { get; }

    /// <summary>Builds a tokenizer over <paramref name="vocabulary"/>.</summary>
    /// <exception cref="TokenizerFormatException">The vocabulary lacks the unknown, [CLS], [SEP] or [PAD] token.</exception>
    public BertTokenizer(Vocabulary vocabulary, BertTokenizerOptions? options = null, string vocabularySource = "vocabulary")
        : this(vocabulary, options, vocabularySource, fastPaths: true)
    {
    }

    /// <summary>
    /// The same tokenizer on the basic tokenizer's general path alone (no ASCII or per-char fold fast paths): the
    /// readable reference that tests hold the fast paths to.
    /// </summary>
    internal BertTokenizer WithGeneralPathOnly() => new(Vocabulary, Options, "vocabulary", fastPaths: false);

    private BertTokenizer(Vocabulary vocabulary, BertTokenizerOptions? options, string vocabularySource, bool fastPaths)
    {
        Vocabulary = vocabulary ?? throw new ArgumentNullException(nameof(vocabulary));
        Options = options ?? BertTokenizerOptions.Default;
        if (Options.MaxInputCharsPerWord < 0)
            throw new ArgumentOutOfRangeException(nameof(options), "MaxInputCharsPerWord must not be negative");
        var required = new[] { ("unk_token", Options.UnkToken), ("cls_token", Options.ClsToken), ("sep_token", Options.SepToken), ("pad_token", Options.PadToken) };
        var missing = required.Where(t => vocabulary.IdOf(t.Item2) is null).Select(t => $"{t.Item1} '{t.Item2}'").ToList();
        if (missing.Count > 0)
            throw new TokenizerFormatException(vocabularySource, null,
                $"the vocabulary ({vocabulary.Count} tokens) lacks the special token(s) {string.Join(", ", missing)}");
        UnkTokenId = vocabulary.IdOf(Options.UnkToken)!.Value;
        ClsTokenId = vocabulary.IdOf(Options.ClsToken)!.Value;
        SepTokenId = vocabulary.IdOf(Options.SepToken)!.Value;
        PadTokenId = vocabulary.IdOf(Options.PadToken)!.Value;
        MaskTokenId = vocabulary.IdOf(Options.MaskToken);
        _specialIds = Options.AllSpecialTokens.Select(t => vocabulary.IdOf(t) ?? UnkTokenId).ToImmutableHashSet();
        _text = new BasicTokenizer(vocabulary, Options, UnkTokenId, fastPaths);
    }

    /// <summary>The word pieces of <paramref name="text"/> (transformers' <c>tokenize</c>), no special tokens added.</summary>
    public ImmutableArray<string> Tokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var list = Tokens(ref t_first);
        _text.Tokenize(text, list, null);
        var result = new string[list.Count];
        for (int i = 0; i < result.Length; i++) result[i] = Vocabulary.TokenAt(list.Ids[i]);
        return ImmutableCollectionsMarshal.AsImmutableArray(result);
    }

    /// <summary>
    /// The basic tokenizer's words (after cleaning, CJK splitting, lower-casing, accent stripping and punctuation
    /// splitting; special tokens kept whole) with their spans in <paramref name="text"/>.
    /// </summary>
    public ImmutableArray<Word> BasicTokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var words = new List<Word>();
        var list = Tokens(ref t_first);
        _text.Tokenize(text, list, words);
        return words.ToImmutableArray();
    }

    /// <summary>The id of every word piece of <paramref name="text"/>, no special tokens added.</summary>
    public ImmutableArray<int> TokenizeToIds(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var list = Tokens(ref t_first);
        _text.Tokenize(text, list, null);
        return ImmutableCollectionsMarshal.AsImmutableArray(list.Ids.AsSpan(0, list.Count).ToArray());
    }

    /// <summary>
    /// Encodes a text or a pair as transformers' <c>tokenizer(text, text_pair, **options)</c> does:
    /// <c>[CLS] A [SEP] (B [SEP])</c>, truncated and padded per <paramref name="options"/>.
    /// </summary>
    public BertEncoding Encode(string text, string? textPair = null, EncodeOptions? options = null)
    {
        var (o, first, second, words) = TokenizeInputs(text, textPair, options);
        int? padTo = o.Padding == PaddingStrategy.MaxLength ? ResolveMaxLength(o) : null;
        var encoding = Assemble(first, second, o, padTo);
        return words is null ? encoding : words.On(encoding);
    }

    /// <summary>
    /// The start shared by <see cref="Encode(string, string?, EncodeOptions?)"/> and <see cref="EncodeWindows"/>:
    /// checks the options and tokenizes the text (and pair) into this thread's token lists.
    /// </summary>
    private (EncodeOptions Options, TokenList First, TokenList? Second, TextWords? Words) TokenizeInputs(string text, string? textPair,
        EncodeOptions? options)
    {
        ArgumentNullException.ThrowIfNull(text);
        var o = options ?? EncodeOptions.Default;
        Validate(o);
        // Words are collected in the same pass as the tokens, and only when asked for (the plain path builds none).
        var words = o.ReturnWords ? new TextWords() : null;
        var first = Tokens(ref t_first);
        _text.Tokenize(text, first, words?.First);
        TokenList? second = null;
        if (textPair is not null)
        {
            second = Tokens(ref t_second);
            _text.Tokenize(textPair, second, words?.Second);
        }
        return (o, first, second, words);
    }

    /// <summary>The words of a text and its pair, gathered while tokenizing (<see cref="EncodeOptions.ReturnWords"/>).</summary>
    private sealed class TextWords
    {
        public readonly List<Word> First = [], Second = [];
        private ImmutableArray<Word> _first, _second;

        /// <summary><paramref name="encoding"/> with these words (one array for every window of a text).</summary>
        public BertEncoding On(BertEncoding encoding)
        {
            if (_first.IsDefault) (_first, _second) = ([.. First], [.. Second]);
            return encoding with { Words = _first, PairWords = _second };
        }
    }

    /// <summary>Encodes a pair given as a tuple; see <see cref="Encode(string, string?, EncodeOptions?)"/>.</summary>
    public BertEncoding Encode((string Text, string? TextPair) input, EncodeOptions? options = null) =>
        Encode(input.Text, input.TextPair, options);

    private static TokenList Tokens(ref TokenList? slot, bool tracksSpans = true)
    {
        slot ??= new TokenList();
        slot.Clear(tracksSpans);
        return slot;
    }

    private static void Validate(EncodeOptions o)
    {
        if (o.MaxLength is < 0) throw new TokenizerInputException($"max_length must not be negative, got {o.MaxLength}");
        if (o.Stride < 0) throw new TokenizerInputException($"stride must not be negative, got {o.Stride}");
        if (o.PadToMultipleOf is <= 0) throw new TokenizerInputException($"pad_to_multiple_of must be positive, got {o.PadToMultipleOf}");
    }

    /// <summary>max_length, defaulting to model_max_length as transformers does.</summary>
    private int? ResolveMaxLength(EncodeOptions o) => o.MaxLength ?? Options.ModelMaxLength;

    private static int RoundUp(int length, int? multiple) =>
        multiple is int m && length % m != 0 ? (length / m + 1) * m : length;

    /// <summary>Truncates, adds special tokens and pads to at least <paramref name="padTo"/> (rounded to pad_to_multiple_of).</summary>
    private BertEncoding Assemble(TokenList first, TokenList? second, EncodeOptions o, int? padTo)
    {
        bool special = o.AddSpecialTokens;
        int numSpecial = special ? (second is null ? 2 : 3) : 0;
        int lenA = first.Count, lenB = second?.Count ?? 0;
        int total = lenA + lenB + numSpecial;
        var side = o.TruncationSide ?? Options.TruncationSide;

        int? maxLength = ResolveMaxLength(o);
        var plan = new Truncation.Plan(lenA, lenB, 0, 0, false);
        int numTruncated = 0;
        if (o.Truncation != TruncationStrategy.None && maxLength is int m)
        {
            numTruncated = total - m;
            if (total > m && m > 0)
                plan = Truncation.Compute(lenA, second is null ? -1 : lenB, total - m, o.Truncation, o.Stride, side);
        }

        int fromFirst = side == Side.Right ? 0 : lenA - plan.KeepFirst;
        int fromSecond = side == Side.Right ? 0 : lenB - plan.KeepSecond;
        var overflowSource = plan.OverflowFromSecond ? second! : first;
        var overflow = overflowSource.Ids.AsSpan(plan.OverflowFrom, plan.OverflowCount).ToArray();
        return Build(first, fromFirst, plan.KeepFirst, second, fromSecond, plan.KeepSecond, o, padTo, overflow, numTruncated);
    }

    /// <summary>Lays out <c>[CLS] first[range] [SEP] (second[range] [SEP])</c> and pads it.</summary>
    private BertEncoding Build(TokenList first, int fromFirst, int countFirst, TokenList? second, int fromSecond, int countSecond,
        EncodeOptions o, int? padTo, int[] overflow, int numTruncated)
    {
        bool special = o.AddSpecialTokens;
        int numSpecial = special ? (second is null ? 2 : 3) : 0;
        int length = numSpecial + countFirst + countSecond;
        int target = length;
        if (o.Padding != PaddingStrategy.None)
        {
            int wanted = RoundUp(padTo ?? length, o.PadToMultipleOf);
            target = Math.Max(length, wanted);
        }
        int pad = target - length;
        bool padLeft = (o.PaddingSide ?? Options.PaddingSide) == Side.Left;

        // The common case — one text, [CLS] and [SEP], no padding — shares its four constant rows (SharedRows).
        bool shared = second is null && special && pad == 0 && target <= SharedRows.MaxLength;
        var ids = new int[target];
        var offsets = new TokenOffset[target];
        var wordIds = new int?[target];
        int[]? types = shared ? null : new int[target];
        int[]? mask = shared ? null : new int[target];
        int[]? specialMask = shared ? null : new int[target];
        int?[]? sequenceIds = shared ? null : new int?[target];
        int at = padLeft ? pad : 0;

        void AddSpecial(int id, int type)
        {
            ids[at] = id;
            if (types is not null) { types[at] = type; mask![at] = 1; specialMask![at] = 1; }
            at++;
        }
        void AddSequence(TokenList list, int from, int count, int type, int sequence)
        {
            for (int k = from; k < from + count; k++)
            {
                ids[at] = list.Ids[k];
                offsets[at] = new TokenOffset(list.Starts[k], list.Ends[k]);
                wordIds[at] = list.Words[k];
                if (types is not null) { types[at] = type; mask![at] = 1; sequenceIds![at] = sequence; }
                at++;
            }
        }

        if (special) AddSpecial(ClsTokenId, 0);
        AddSequence(first, fromFirst, countFirst, 0, 0);
        if (special) AddSpecial(SepTokenId, 0);
        if (second is not null)
        {
            AddSequence(second, fromSecond, countSecond, Options.PairTypeId, 1);
            if (special) AddSpecial(SepTokenId, Options.PairTypeId);
        }
        int padStart = padLeft ? 0 : length;
        for (int k = padStart; k < padStart + pad; k++)
        {
            ids[k] = PadTokenId;
            specialMask![k] = 1;
        }

        var tokens = new string[target];
        for (int k = 0; k < target; k++) tokens[k] = Vocabulary.TokenAt(ids[k]);

        if (shared)
            return new BertEncoding(
                ImmutableCollectionsMarshal.AsImmutableArray(tokens),
                ImmutableCollectionsMarshal.AsImmutableArray(ids),
                SharedRows.TypeIds(target),
                SharedRows.AttentionMask(target),
                SharedRows.SpecialTokensMask(target),
                ImmutableCollectionsMarshal.AsImmutableArray(offsets),
                ImmutableCollectionsMarshal.AsImmutableArray(wordIds),
                SharedRows.SequenceIds(target),
                ImmutableCollectionsMarshal.AsImmutableArray(overflow),
                numTruncated);
        return new BertEncoding(
            ImmutableCollectionsMarshal.AsImmutableArray(tokens),
            ImmutableCollectionsMarshal.AsImmutableArray(ids),
            ImmutableCollectionsMarshal.AsImmutableArray(types!),
            ImmutableCollectionsMarshal.AsImmutableArray(mask!),
            ImmutableCollectionsMarshal.AsImmutableArray(specialMask!),
            ImmutableCollectionsMarshal.AsImmutableArray(offsets),
            ImmutableCollectionsMarshal.AsImmutableArray(wordIds),
            ImmutableCollectionsMarshal.AsImmutableArray(sequenceIds!),
            ImmutableCollectionsMarshal.AsImmutableArray(overflow),
            numTruncated);
    }
}
