using System.Text;
using System.Text.Json;

namespace Electra.Tests.Tokenizer;

/// <summary>Every case of ../shared/fixtures/tokenizer/reference.jsonl (transformers' BertTokenizer) must match exactly.</summary>
public class ReferenceTests
{
    [Theory]
    [InlineData("uncased")]
    [InlineData("cased")]
    [InlineData("no_cjk_split")]
    [InlineData("keep_accents")]
    [InlineData("single_trunc")]
    [InlineData("pair")]
    [InlineData("pair_overflow")]
    public void Matches_transformers_on_every_case(string kind)
    {
        var cases = TokenizerFixtures.AllCases.Where(c => c.GetProperty("kind").GetString() == kind).ToList();
        Assert.NotEmpty(cases);
        var failures = new List<string>();
        foreach (var c in cases)
        {
            var mismatch = Check(c);
            if (mismatch is not null) failures.Add(mismatch);
        }
        Assert.True(failures.Count == 0,
            $"{failures.Count} of {cases.Count} '{kind}' cases differ from transformers; first:\n{string.Join("\n", failures.Take(3))}");
    }

    private static string? Check(JsonElement c)
    {
        var options = c.GetProperty("options");
        var tokenizer = TokenizerFixtures.ForCase(options);
        var text = c.GetProperty("text").GetString()!;
        string? pair = c.TryGetProperty("text_pair", out var p) ? p.GetString() : null;
        var enc = tokenizer.Encode(text, pair, TokenizerFixtures.EncodeOptionsForCase(options));
        string id = c.GetProperty("id").GetString()!;

        string? Compare<T>(string field, IEnumerable<T> expected, IEnumerable<T> actual)
        {
            var e = expected.ToList();
            var a = actual.ToList();
            if (e.SequenceEqual(a)) return null;
            int at = Enumerable.Range(0, Math.Min(e.Count, a.Count)).FirstOrDefault(i => !Equals(e[i], a[i]), Math.Min(e.Count, a.Count));
            return $"{id} {field} differs at {at}: text {Show(text)}{(pair is null ? "" : " / " + Show(pair))}\n" +
                   $"  expected [{string.Join(" ", e.Skip(Math.Max(0, at - 3)).Take(8))}] ({e.Count})\n" +
                   $"  actual   [{string.Join(" ", a.Skip(Math.Max(0, at - 3)).Take(8))}] ({a.Count})";
        }

        return Compare("tokens", TokenizerFixtures.Strings(c.GetProperty("tokens")), enc.Tokens)
            ?? Compare("input_ids", TokenizerFixtures.Ints(c.GetProperty("input_ids")), enc.InputIds)
            ?? Compare("token_type_ids", TokenizerFixtures.Ints(c.GetProperty("token_type_ids")), enc.TokenTypeIds)
            ?? Compare("attention_mask", TokenizerFixtures.Ints(c.GetProperty("attention_mask")), enc.AttentionMask)
            ?? (c.TryGetProperty("words", out var w)
                ? Compare("words", TokenizerFixtures.Strings(w), tokenizer.BasicTokenize(text).Select(x => x.Text))
                : null)
            ?? (c.TryGetProperty("overflowing_tokens", out var ov)
                ? Compare("overflowing_tokens", TokenizerFixtures.Ints(ov), enc.OverflowingTokens)
                : null)
            ?? (c.TryGetProperty("num_truncated_tokens", out var nt)
                ? Compare("num_truncated_tokens", new[] { nt.GetInt32() }, new[] { enc.NumTruncatedTokens })
                : null);
    }

    private static string Show(string s)
    {
        var sb = new StringBuilder("\"");
        foreach (var ch in s.Length > 120 ? s[..120] + "…" : s)
            sb.Append(ch < 0x20 || ch is >= '\u007f' and <= '\u00a0' || ch is >= '\u2000' and <= '\u200f' || ch is >= '\u2028' and <= '\u202f' || ch == '\ufeff'
                ? $"\\u{(int)ch:X4}" : ch.ToString());
        return sb.Append('"').ToString();
    }
}
