using System.Globalization;
using System.Text;

namespace Electra.Tokenizer.Benchmarks;

/// <summary>
/// The obvious line-by-line port of transformers' BertTokenizer (strings for every step, "##" + substring lookups),
/// uncased settings only: the scale against which the real implementation's speed is read.
/// </summary>
internal sealed class NaiveBertTokenizer(IReadOnlyDictionary<string, int> vocab)
{
    public List<int> Encode(string text)
    {
        var ids = new List<int> { vocab["[CLS]"] };
        var cleaned = new StringBuilder();
        foreach (var r in text.EnumerateRunes())
        {
            var cat = Rune.GetUnicodeCategory(r);
            if (r.Value is 0 or 0xFFFD) continue;
            if (r.Value is '\t' or '\n' or '\r' or ' ' || cat == UnicodeCategory.SpaceSeparator) { cleaned.Append(' '); continue; }
            if (cat is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned or UnicodeCategory.Surrogate) continue;
            if (IsCjk(r.Value)) cleaned.Append(' ').Append(r.ToString()).Append(' ');
            else cleaned.Append(r.ToString());
        }
        var normalized = cleaned.ToString().Normalize(NormalizationForm.FormC);
        foreach (var word in normalized.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            var lower = word.ToLowerInvariant().Normalize(NormalizationForm.FormD);
            var stripped = new StringBuilder();
            foreach (var r in lower.EnumerateRunes())
                if (Rune.GetUnicodeCategory(r) != UnicodeCategory.NonSpacingMark) stripped.Append(r.ToString());
            foreach (var piece in SplitPunctuation(stripped.ToString())) WordPiece(piece, ids);
        }
        ids.Add(vocab["[SEP]"]);
        return ids;
    }

    private static List<string> SplitPunctuation(string word)
    {
        var pieces = new List<string>();
        var current = new StringBuilder();
        foreach (var r in word.EnumerateRunes())
        {
            if (IsPunctuation(r))
            {
                if (current.Length > 0) pieces.Add(current.ToString());
                current.Clear();
                pieces.Add(r.ToString());
            }
            else current.Append(r.ToString());
        }
        if (current.Length > 0) pieces.Add(current.ToString());
        return pieces;
    }

    private void WordPiece(string word, List<int> ids)
    {
        var chars = word.EnumerateRunes().Select(r => r.ToString()).ToList();
        if (chars.Count > 100) { ids.Add(vocab["[UNK]"]); return; }
        var pieces = new List<int>();
        int start = 0;
        while (start < chars.Count)
        {
            int end = chars.Count;
            int found = -1;
            while (start < end)
            {
                var sub = string.Concat(chars.Skip(start).Take(end - start));
                if (start > 0) sub = "##" + sub;
                if (vocab.TryGetValue(sub, out found)) break;
                found = -1;
                end--;
            }
            if (found < 0) { ids.Add(vocab["[UNK]"]); return; }
            pieces.Add(found);
            start = end;
        }
        ids.AddRange(pieces);
    }

    private static bool IsPunctuation(Rune r)
    {
        int c = r.Value;
        if (c is >= 33 and <= 47 or >= 58 and <= 64 or >= 91 and <= 96 or >= 123 and <= 126) return true;
        return Rune.GetUnicodeCategory(r) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
            or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;
    }

    private static bool IsCjk(int cp) => cp is >= 0x4E00 and <= 0x9FFF or >= 0x3400 and <= 0x4DBF or >= 0x20000 and <= 0x2A6DF
        or >= 0x2A700 and <= 0x2B73F or >= 0x2B740 and <= 0x2B81F or >= 0x2B820 and <= 0x2CEAF or >= 0xF900 and <= 0xFAFF
        or >= 0x2F800 and <= 0x2FA1F;
}
