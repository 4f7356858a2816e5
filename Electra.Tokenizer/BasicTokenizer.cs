using System.Buffers;
using System.Text;

namespace Electra.Tokenizer;

/// <summary>
/// HF: BasicTokenizer (tokenization_bert.py), with the special-token split of PreTrainedTokenizer.tokenize in front:
/// cleans the text, splits CJK, applies NFC, lower-cases, strips accents and splits punctuation, handing each word
/// to <see cref="WordPiece"/>; every token keeps its span in the original string.
/// Stateless apart from per-thread scratch buffers, so one instance serves all threads.
/// </summary>
internal sealed class BasicTokenizer
{
    private readonly Vocabulary _vocab;
    private readonly WordPiece _wordPiece;
    private readonly bool _lower;
    private readonly bool _strip;
    private readonly bool _splitCjk;
    private readonly int _unkId;
    private readonly string[] _specials;
    private readonly SearchValues<char>? _specialFirstChars;
    private readonly HashSet<string> _neverSplit;
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _neverSplitBySpan;
    private readonly SearchValues<char>? _neverSplitFirstChars;
    private readonly int[] _specialLengths;
    /// <summary>False on the reference tokenizer of the tests: every run takes the general path.</summary>
    private readonly bool _fastPaths;
    /// <summary>Per-char lower-casing and accent stripping, when the tokenizer strips accents.</summary>
    private readonly FoldTable? _fold;
    /// <summary>
    /// True when every special token starts with an ASCII char that is not a letter: lower-casing a non-ASCII char
    /// never gives one (it gives a letter), so a word starting with a non-ASCII char cannot be a special token.
    /// </summary>
    private readonly bool _specialsStartWithAsciiSymbols;
    /// <summary>
    /// Each special token as the fold table would fold it (NFD, Mn removed): a run whose fold is none of these cannot
    /// be one the general path keeps whole, since that path compares the NFC of the lower-cased run, whose fold is
    /// the run's fold.
    /// </summary>
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _foldedSpecials;

    [ThreadStatic] private static Scratch? t_scratch;

    private sealed class Scratch
    {
        internal readonly AlignedText A = new();
        internal readonly AlignedText B = new();
        internal char[] Lowered = new char[256];
        internal int[] Punctuation = new int[256];
    }

    internal BasicTokenizer(Vocabulary vocab, BertTokenizerOptions options, int unkId, bool fastPaths = true)
    {
        _vocab = vocab;
        _wordPiece = new WordPiece(vocab, unkId, options.MaxInputCharsPerWord);
        _lower = options.DoLowerCase;
        _strip = options.StripsAccents;
        _splitCjk = options.TokenizeChineseChars;
        _unkId = unkId;
        // Longest first, so that of two specials starting at the same place the longer wins (as the trie does).
        _specials = options.AllSpecialTokens.Where(t => t.Length > 0).OrderByDescending(t => t.Length).ToArray();
        _specialFirstChars = _specials.Length > 0 ? SearchValues.Create(_specials.Select(t => t[0]).Distinct().ToArray()) : null;
        _neverSplit = new HashSet<string>(_specials, StringComparer.Ordinal);
        _neverSplitBySpan = _neverSplit.GetAlternateLookup<ReadOnlySpan<char>>();
        _neverSplitFirstChars = _specialFirstChars;
        _specialLengths = _specials.Select(t => t.Length).Distinct().ToArray();
        _fastPaths = fastPaths;
        _fold = _strip && fastPaths ? FoldTable.For(_lower) : null;
        _specialsStartWithAsciiSymbols = _specials.All(t => t[0] < 128 && !char.IsAsciiLetter(t[0]));
        _foldedSpecials = new HashSet<string>(
                _specials.Select(t => UnicodeSteps.DropNonSpacingMarks(UnicodeSteps.SafeNormalize(t, NormalizationForm.FormD))),
                StringComparer.Ordinal)
            .GetAlternateLookup<ReadOnlySpan<char>>();
    }

    internal int IdOrUnk(string token) => _vocab.IdOf(token) ?? _unkId;

    /// <summary>Tokenizes <paramref name="text"/>, appending to <paramref name="tokens"/> and, when given, the words to <paramref name="words"/>.</summary>
    internal void Tokenize(string text, TokenList tokens, List<Word>? words)
    {
        var scratch = t_scratch ??= new Scratch();
        int pos = 0;
        while (pos < text.Length)
        {
            var (at, special) = FindSpecial(text, pos);
            int chunkEnd = special is null ? text.Length : at;
            if (chunkEnd > pos) TokenizeChunk(text, pos, chunkEnd, tokens, words, scratch);
            if (special is null) break;
            tokens.Add(IdOrUnk(special), at, at + special.Length, tokens.WordCount++);
            words?.Add(new Word(special, at, at + special.Length));
            pos = at + special.Length;
        }
    }

    private (int At, string? Special) FindSpecial(string text, int from)
    {
        if (_specialFirstChars is null) return (-1, null);
        int i = from;
        while (i < text.Length)
        {
            int k = text.AsSpan(i).IndexOfAny(_specialFirstChars);
            if (k < 0) break;
            i += k;
            var rest = text.AsSpan(i);
            // One set lookup per distinct length (longest first, as the trie prefers), not one comparison per
            // special token: a config listing many added tokens must not multiply the cost of every text.
            foreach (int length in _specialLengths)
                if (length <= rest.Length && _neverSplitBySpan.TryGetValue(rest[..length], out var special))
                    return (i, special);
            i++;
        }
        return (-1, null);
    }

    /// <summary>Splits a stretch without special tokens into runs between separators and tokenizes each run.</summary>
    private void TokenizeChunk(string text, int start, int end, TokenList tokens, List<Word>? words, Scratch scratch)
    {
        int i = start;
        while (i < end)
        {
            char c = text[i];
            if (c < 128)
            {
                if (CharClasses.OfAscii(c) == CharClasses.Kind.Whitespace) { i++; continue; }
            }
            else if (!char.IsSurrogate(c))
            {
                var kind = CharClasses.OfBmpForScan(c, _splitCjk);
                if (kind == CharClasses.Kind.Whitespace) { i++; continue; }
                if (kind == CharClasses.Kind.Cjk)
                {
                    TokenizeCjk(text, i, 1, new Rune(c), tokens, words, scratch);
                    i++;
                    continue;
                }
            }
            else
            {
                Rune.DecodeFromUtf16(text.AsSpan(i, end - i), out var first, out int firstLen);
                var kind = CharClasses.OfRuneForScan(first, _splitCjk);
                if (kind == CharClasses.Kind.Whitespace) { i += firstLen; continue; }
                if (kind == CharClasses.Kind.Cjk)
                {
                    TokenizeCjk(text, i, firstLen, first, tokens, words, scratch);
                    i += firstLen;
                    continue;
                }
            }

            int runStart = i;
            if (c < 128 && _fastPaths && TryTokenizeAsciiRun(text, ref i, end, tokens, words, scratch)) continue;
            if (_fold is not null)
            {
                // One pass finds the run's end and folds it; a run it cannot fold takes the general path.
                if (TryFoldRun(text, runStart, end, scratch.A, out i)) SplitAndEncode(scratch.A, tokens, words);
                else TokenizeRun(text, runStart, i, tokens, words, scratch);
                continue;
            }
            while (i < end)
            {
                c = text[i];
                if (c < 128)
                {
                    var k = CharClasses.OfAscii(c);
                    if (k == CharClasses.Kind.Whitespace) break;
                    i++;
                    continue;
                }
                if (!char.IsSurrogate(c))
                {
                    if (CharClasses.OfBmpForScan(c, _splitCjk) is CharClasses.Kind.Whitespace or CharClasses.Kind.Cjk) break;
                    i++;
                    continue;
                }
                Rune.DecodeFromUtf16(text.AsSpan(i, end - i), out var r, out int n);
                var kind = CharClasses.OfRuneForScan(r, _splitCjk);
                if (kind is CharClasses.Kind.Whitespace or CharClasses.Kind.Cjk) break;
                i += n;
            }
            TokenizeRun(text, runStart, i, tokens, words, scratch);
        }
    }

    /// <summary>
    /// The fast path for a run of printable ASCII, in one pass: lower-casing is a table lookup, normalisation is the
    /// identity and every char maps to itself in the original string. Returns false, consuming nothing, when the
    /// run holds a non-ASCII or removed char (the general path then takes it).
    /// </summary>
    private bool TryTokenizeAsciiRun(string text, ref int position, int end, TokenList tokens, List<Word>? words, Scratch scratch)
    {
        int start = position;
        int limit = end - start;
        if (scratch.Lowered.Length < limit) scratch.Lowered = new char[Math.Max(limit, scratch.Lowered.Length * 2)];
        if (scratch.Punctuation.Length < limit) scratch.Punctuation = new int[Math.Max(limit, scratch.Punctuation.Length * 2)];
        var lowered = scratch.Lowered;
        var punctuation = scratch.Punctuation;
        var source = text.AsSpan(start, limit);
        bool lower = _lower;
        int punctuationCount = 0;
        int length = 0;
        for (; length < source.Length; length++)
        {
            char c = source[length];
            if (c >= 128) return false;
            var kind = CharClasses.OfAscii(c);
            if (kind == CharClasses.Kind.WordChar)
            {
                lowered[length] = lower && (uint)(c - 'A') <= 'Z' - 'A' ? (char)(c + 32) : c;
                continue;
            }
            if (kind == CharClasses.Kind.Whitespace) break;
            if (kind == CharClasses.Kind.Removed) return false;
            lowered[length] = c;
            punctuation[punctuationCount++] = length;
        }
        position = start + length;
        var run = lowered.AsSpan(0, length);
        if (_neverSplitFirstChars is not null && _neverSplitFirstChars.Contains(run[0]) && _neverSplitBySpan.Contains(run))
        {
            EmitVerbatimWord(run, 0, length, start, tokens, words);
            return true;
        }
        int pieceStart = 0;
        for (int p = 0; p < punctuationCount; p++)
        {
            int k = punctuation[p];
            if (k > pieceStart) EmitVerbatimWord(run, pieceStart, k, start, tokens, words);
            EmitVerbatimWord(run, k, k + 1, start, tokens, words);
            pieceStart = k + 1;
        }
        if (length > pieceStart) EmitVerbatimWord(run, pieceStart, length, start, tokens, words);
        return true;
    }

    /// <summary>Encodes a word whose chars are those of the original string from <paramref name="offset"/> on, one to one.</summary>
    private void EmitVerbatimWord(ReadOnlySpan<char> run, int from, int to, int offset, TokenList tokens, List<Word>? words)
    {
        int word = tokens.WordCount++;
        words?.Add(new Word(new string(run[from..to]), offset + from, offset + to));
        int mark = tokens.Count;
        _wordPiece.Tokenize(run, from, to, tokens, word);
        if (!tokens.TracksSpans) return;
        for (int k = mark; k < tokens.Count; k++)
        {
            tokens.Starts[k] += offset;
            tokens.Ends[k] += offset;
        }
    }

    private void TokenizeCjk(string text, int at, int length, Rune r, TokenList tokens, List<Word>? words, Scratch scratch)
    {
        // The compatibility ideographs have canonical decompositions to unified ones; the rest are stable under
        // NFC, NFD and lower-casing, so the word is the original text itself.
        if (r.Value is not (>= 0xF900 and <= 0xFAFF or >= 0x2F800 and <= 0x2FA1F))
        {
            EmitVerbatimWord(text.AsSpan(at, length), 0, length, at, tokens, words);
            return;
        }
        var buf = scratch.A;
        buf.Clear();
        UnicodeSteps.AppendRune(buf, r, at, at + length);
        UnicodeSteps.Normalize(buf, scratch.B, NormalizationForm.FormC, dropMarks: false);
        SplitAndEncode(scratch.B, tokens, words);
    }

    /// <summary>The general path: any run that holds a non-ASCII or removed character.</summary>
    private void TokenizeRun(string text, int start, int end, TokenList tokens, List<Word>? words, Scratch scratch)
    {
        var buf = scratch.A;
        buf.Clear();
        int maxChar = 0;
        int i = start;
        while (i < end)
        {
            Rune.DecodeFromUtf16(text.AsSpan(i, end - i), out var r, out int n);
            if (CharClasses.OfRuneForScan(r, _splitCjk) != CharClasses.Kind.Removed)
            {
                if (_lower) UnicodeSteps.AppendLower(buf, r, i, i + n);
                else UnicodeSteps.AppendRune(buf, r, i, i + n);
                maxChar = Math.Max(maxChar, r.Value);
            }
            i += n;
        }
        if (buf.Length == 0) return;

        var other = scratch.B;
        bool mayBeNeverSplit = _neverSplitFirstChars is not null && _neverSplitFirstChars.Contains(buf.Chars[0]);
        if (_strip && !mayBeNeverSplit)
        {
            // NFD(NFC(x)) = NFD(x), and lower-casing again after NFC changes nothing once every char was
            // lower-cased: stripping can start from the cleaned, lower-cased text.
            if (!UnicodeSteps.TryStripAccentsPerChar(buf, other))
                UnicodeSteps.Normalize(buf, other, NormalizationForm.FormD, dropMarks: true);
            SplitAndEncode(other, tokens, words);
            return;
        }

        // Below U+0300 every character is NFC and nothing composes: NFC is the identity.
        if (maxChar >= 0x300)
        {
            UnicodeSteps.Normalize(buf, other, NormalizationForm.FormC, dropMarks: false);
            (buf, other) = (other, buf);
        }

        if (IsNeverSplit(buf))
        {
            EmitWord(buf, 0, buf.Length, tokens, words);
            return;
        }

        if (_lower && maxChar >= 0x300)
        {
            UnicodeSteps.Lower(buf, other);
            (buf, other) = (other, buf);
        }
        if (_strip)
        {
            if (!UnicodeSteps.TryStripAccentsPerChar(buf, other))
                UnicodeSteps.Normalize(buf, other, NormalizationForm.FormD, dropMarks: true);
            (buf, other) = (other, buf);
        }
        SplitAndEncode(buf, tokens, words);
    }

    /// <summary>
    /// The fast path of <see cref="TokenizeRun"/> for a tokenizer that strips accents: finds the end of the run that
    /// starts at <paramref name="start"/> (the next whitespace or CJK ideograph, as the scan of
    /// <see cref="TokenizeChunk"/> does) while cleaning, lower-casing and stripping it char by char from
    /// <see cref="FoldTable"/> into <paramref name="buf"/>, which is what the general path's per-char stripping gives.
    /// False when a char needs the general path (a surrogate pair outside plane 1, a char that cannot be folded alone)
    /// or the run may be a special token (its fold is that of one); <paramref name="runEnd"/> is the run's end either way.
    /// </summary>
    private bool TryFoldRun(string text, int start, int end, AlignedText buf, out int runEnd)
    {
        buf.Clear();
        var fold = _fold!;
        bool lower = _lower;
        bool folding = true;
        bool first = true;
        bool maySpecial = false;
        int i = start;
        for (; i < end; i++)
        {
            char c = text[i];
            if (c < 128)
            {
                var kind = CharClasses.OfAscii(c);
                if (kind == CharClasses.Kind.Whitespace) break;
                if (kind == CharClasses.Kind.Removed || !folding) continue;
                if (lower && (uint)(c - 'A') <= 'Z' - 'A') c = (char)(c + 32);
                // The general path checks the lower-cased first char for a special token's first char.
                if (first && _neverSplitFirstChars is not null && _neverSplitFirstChars.Contains(c)) maySpecial = true;
                first = false;
                buf.Append(c, i, i + 1);
                continue;
            }
            if (char.IsSurrogate(c))
            {
                Rune.DecodeFromUtf16(text.AsSpan(i, end - i), out var r, out int n);
                var kind = CharClasses.OfRuneForScan(r, _splitCjk);
                if (kind is CharClasses.Kind.Whitespace or CharClasses.Kind.Cjk) break;
                // n is 2 unless removed: a lone surrogate decodes to U+FFFD, which is.
                i += n - 1;
                if (kind == CharClasses.Kind.Removed || !folding) continue;
                if (first && _neverSplitFirstChars is not null && !_specialsStartWithAsciiSymbols) maySpecial = true;
                first = false;
                if (!fold.TryAppend(r, buf, i - n + 1)) folding = false;
                continue;
            }
            var bmpKind = CharClasses.OfBmpForScan(c, _splitCjk);
            if (bmpKind is CharClasses.Kind.Whitespace or CharClasses.Kind.Cjk) break;
            if (bmpKind == CharClasses.Kind.Removed || !folding) continue;
            if (first && _neverSplitFirstChars is not null && !_specialsStartWithAsciiSymbols) maySpecial = true;
            first = false;
            if (!fold.TryAppend(c, buf, i)) folding = false;
        }
        runEnd = i;
        return folding && !(maySpecial && _foldedSpecials.Contains(buf.Span));
    }

    private bool IsNeverSplit(AlignedText buf) =>
        _neverSplitFirstChars is not null && buf.Length > 0 && _neverSplitFirstChars.Contains(buf.Chars[0])
        && _neverSplitBySpan.Contains(buf.Span);

    /// <summary>Splits off punctuation (tokenization_bert.py _run_split_on_punc) and WordPiece-encodes each piece.</summary>
    private void SplitAndEncode(AlignedText buf, TokenList tokens, List<Word>? words)
    {
        if (buf.Length == 0) return;
        var chars = buf.Chars;
        int pieceStart = 0;
        int i = 0;
        while (i < buf.Length)
        {
            char c = chars[i];
            bool punct;
            int n = 1;
            if (c < 128) punct = CharClasses.OfAscii(c) == CharClasses.Kind.Punctuation;
            else if (!char.IsSurrogate(c)) punct = CharClasses.IsPunctuationBmp(c);
            else
            {
                Rune.DecodeFromUtf16(buf.Span[i..], out var r, out n);
                punct = CharClasses.IsPunctuation(r);
            }
            if (punct)
            {
                if (i > pieceStart) EmitWord(buf, pieceStart, i, tokens, words);
                EmitWord(buf, i, i + n, tokens, words);
                pieceStart = i + n;
            }
            i += n;
        }
        if (buf.Length > pieceStart) EmitWord(buf, pieceStart, buf.Length, tokens, words);
    }

    private void EmitWord(AlignedText buf, int from, int to, TokenList tokens, List<Word>? words)
    {
        int word = tokens.WordCount++;
        words?.Add(new Word(new string(buf.Chars, from, to - from), buf.Starts[from], buf.Ends[to - 1]));
        int mark = tokens.Count;
        _wordPiece.Tokenize(buf.Span, from, to, tokens, word);
        if (!tokens.TracksSpans) return;
        for (int k = mark; k < tokens.Count; k++)
        {
            tokens.Starts[k] = buf.Starts[tokens.Starts[k]];
            tokens.Ends[k] = buf.Ends[tokens.Ends[k] - 1];
        }
    }
}
