using System.Collections.Concurrent;
using System.Text.Json;
using Electra.Tokenizer;

namespace Electra.Tests.Tokenizer;

/// <summary>Locates ../shared/fixtures/tokenizer and builds (cached) tokenizers for the option sets of reference.jsonl.</summary>
internal static class TokenizerFixtures
{
    private static readonly ConcurrentDictionary<string, BertTokenizer> Cache = new();
    private static readonly Lazy<IReadOnlyList<JsonElement>> Cases = new(LoadCases);

    internal static string Directory { get; } = FindDirectory();

    private static string FindDirectory()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Electra.sln"))) dir = dir.Parent;
        if (dir is null) throw new InvalidOperationException("cannot find the repository root (Electra.sln) above " + AppContext.BaseDirectory);
        return Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "fixtures", "tokenizer"));
    }

    internal static string PathOf(string file) => Path.Combine(Directory, file);

    internal static IReadOnlyList<JsonElement> AllCases => Cases.Value;

    private static IReadOnlyList<JsonElement> LoadCases() =>
        File.ReadLines(PathOf("reference.jsonl")).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();

    internal static BertTokenizer Uncased => For("vocab-uncased.txt", true, null, true);

    /// <summary>
    /// The option sets the property tests run every path under: uncased with accents stripped by lower-casing, kept,
    /// and without CJK splitting; multilingual cased, with and without accent stripping.
    /// </summary>
    internal static readonly (string Vocab, bool Lower, bool? Strip, bool Cjk)[] PropertyOptionSets =
    {
        ("vocab-uncased.txt", true, null, true),
        ("vocab-uncased.txt", true, false, true),
        ("vocab-uncased.txt", true, null, false),
        ("vocab-multilingual-cased.txt", false, null, true),
        ("vocab-multilingual-cased.txt", false, true, true),
    };

    /// <summary>A text of pieces of <paramref name="pool"/> picked by FsCheck's integers (any int picks a piece).</summary>
    internal static string Build(string[] pool, int[] picks) =>
        string.Concat((picks ?? Array.Empty<int>()).Select(p => pool[(int)((uint)p % (uint)pool.Length)]));

    internal static BertTokenizer For(string vocab, bool lower, bool? strip, bool cjk) =>
        Cache.GetOrAdd($"{vocab}|{lower}|{strip}|{cjk}", _ => BertTokenizer.FromVocabFile(PathOf(vocab),
            BertTokenizerOptions.Default with { DoLowerCase = lower, StripAccents = strip, TokenizeChineseChars = cjk }));

    internal static BertTokenizer ForCase(JsonElement options)
    {
        bool? strip = options.GetProperty("strip_accents").ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => null,
        };
        return For(options.GetProperty("vocab").GetString()!, options.GetProperty("do_lower_case").GetBoolean(), strip,
            options.GetProperty("tokenize_chinese_chars").GetBoolean());
    }

    internal static EncodeOptions EncodeOptionsForCase(JsonElement options)
    {
        var o = EncodeOptions.Default;
        if (options.TryGetProperty("truncation", out var t) && t.ValueKind == JsonValueKind.String)
            o = o with { Truncation = ParseTruncation(t.GetString()!) };
        if (options.TryGetProperty("max_length", out var m) && m.ValueKind == JsonValueKind.Number) o = o with { MaxLength = m.GetInt32() };
        if (options.TryGetProperty("stride", out var s) && s.ValueKind == JsonValueKind.Number) o = o with { Stride = s.GetInt32() };
        if (options.TryGetProperty("padding", out var p) && p.ValueKind == JsonValueKind.String)
            o = o with { Padding = p.GetString() == "max_length" ? PaddingStrategy.MaxLength : PaddingStrategy.Longest };
        return o;
    }

    private static TruncationStrategy ParseTruncation(string s) => s switch
    {
        "longest_first" => TruncationStrategy.LongestFirst,
        "only_first" => TruncationStrategy.OnlyFirst,
        "only_second" => TruncationStrategy.OnlySecond,
        _ => throw new ArgumentException("unknown truncation " + s),
    };

    internal static int[] Ints(JsonElement e) => e.EnumerateArray().Select(x => x.GetInt32()).ToArray();

    internal static string[] Strings(JsonElement e) => e.EnumerateArray().Select(x => x.GetString()!).ToArray();
}
