using System.Text;

namespace Electra.Tokenizer;

public sealed partial class BertTokenizer
{
    /// <summary>
    /// Turns ids back into text as transformers' slow <c>decode</c> does: tokens joined by spaces, continuation
    /// prefixes glued to the previous piece, optional removal of special tokens and of spaces before punctuation.
    /// Ids outside the vocabulary decode as the unknown token, as in transformers.
    /// </summary>
    /// <param name="ids">Vocabulary ids in text order; special tokens and padding may be among them.</param>
    /// <param name="skipSpecialTokens">Leave out the special tokens ([CLS], [SEP], [PAD], [MASK], [UNK] and any added
    /// special token).</param>
    /// <param name="cleanUpTokenizationSpaces">Null: the tokenizer's default (true for BERT).</param>
    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens = false, bool? cleanUpTokenizationSpaces = null)
    {
        var sb = new StringBuilder();
        bool any = false;
        string prefix = Vocabulary.ContinuingSubwordPrefix;
        foreach (var id in ids)
        {
            if (skipSpecialTokens && _specialIds.Contains(id)) continue;
            var token = Vocabulary.TokenOf(id) ?? Options.UnkToken;
            // " ".join(tokens).replace(" ##", "")
            if (any && prefix.Length > 0 && token.StartsWith(prefix, StringComparison.Ordinal)) sb.Append(token, prefix.Length, token.Length - prefix.Length);
            else
            {
                if (any) sb.Append(' ');
                sb.Append(token);
            }
            any = true;
        }
        var text = StripPythonWhitespace(sb.ToString());
        return cleanUpTokenizationSpaces ?? Options.CleanUpTokenizationSpaces ? CleanUpTokenization(text) : text;
    }

    /// <summary>See <see cref="Decode(ReadOnlySpan{int}, bool, bool?)"/>.</summary>
    public string Decode(int[] ids, bool skipSpecialTokens = false, bool? cleanUpTokenizationSpaces = null) =>
        Decode(ids.AsSpan(), skipSpecialTokens, cleanUpTokenizationSpaces);

    /// <summary>See <see cref="Decode(ReadOnlySpan{int}, bool, bool?)"/>.</summary>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false, bool? cleanUpTokenizationSpaces = null) =>
        Decode(ids.ToArray().AsSpan(), skipSpecialTokens, cleanUpTokenizationSpaces);

    /// <summary>transformers' clean_up_tokenization: removes the space before . ? ! , and English contractions.</summary>
    public static string CleanUpTokenization(string text) => text
        .Replace(" .", ".").Replace(" ?", "?").Replace(" !", "!").Replace(" ,", ",")
        .Replace(" ' ", "'").Replace(" n't", "n't").Replace(" 'm", "'m").Replace(" 's", "'s")
        .Replace(" 've", "'ve").Replace(" 're", "'re");

    /// <summary>Python's str.strip(): whitespace per str.isspace.</summary>
    private static string StripPythonWhitespace(string s)
    {
        int a = 0, b = s.Length;
        while (a < b && IsPythonSpace(s[a])) a++;
        while (b > a && IsPythonSpace(s[b - 1])) b--;
        return a == 0 && b == s.Length ? s : s[a..b];
    }

    private static bool IsPythonSpace(char c) =>
        c is >= '\t' and <= '\r' or >= '\x1c' and <= '\x1f' or ' ' or '\x85' or '\u2028' or '\u2029'
        || char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.SpaceSeparator;
}
