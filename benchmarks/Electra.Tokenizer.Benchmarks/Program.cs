using System.Diagnostics;
using System.Text.Json;
using Electra.Tokenizer;
using Fast = FastBertTokenizer;
using Ml = Microsoft.ML.Tokenizers;

namespace Electra.Tokenizer.Benchmarks;

/// <summary>
/// dotnet run -c Release --project benchmarks/Electra.Tokenizer.Benchmarks [-- --mb 10 --repeats 5 --shared DIR]
/// (--split: ASCII-only vs other lines; --compare-only: only the comparison with transformers' ids)
/// Encodes ../shared/fixtures/tokenizer/corpus.txt repeated to ~10 MB with Electra.Tokenizer, FastBertTokenizer,
/// Microsoft.ML.Tokenizers' BertTokenizer and a naive port, single-threaded and batched, and counts where each one's
/// ids differ from transformers'.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        double megabytes = 10;
        int repeats = 5;
        string? shared = null;
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--mb": megabytes = double.Parse(args[i + 1]); break;
                case "--repeats": repeats = int.Parse(args[i + 1]); break;
                case "--shared": shared = args[i + 1]; break;
            }
        }
        var dir = Path.Combine(shared ?? FindShared(), "fixtures", "tokenizer");
        var vocabPath = Path.Combine(dir, "vocab-uncased.txt");
        var corpus = File.ReadAllText(Path.Combine(dir, "corpus.txt")).Split('\n').Where(l => l.Length > 0).ToArray();
        var lines = Repeat(corpus, (long)(megabytes * 1024 * 1024));
        long bytes = lines.Sum(l => (long)System.Text.Encoding.UTF8.GetByteCount(l));

        var ours = BertTokenizer.FromVocabFile(vocabPath);
        var fast = new Fast.BertTokenizer();
        using (var reader = File.OpenText(vocabPath)) fast.LoadVocabulary(reader, convertInputToLowercase: true);
        var vocab = ours.Vocabulary.Tokens.Select((t, i) => (t, i)).GroupBy(x => x.t).ToDictionary(g => g.Key, g => g.Last().i);
        var naive = new NaiveBertTokenizer(vocab);
        // ELECTRA's settings: lower-case, strip accents, CJK split, special tokens kept whole.
        var ml = Ml.BertTokenizer.Create(vocabPath, new Ml.BertOptions
        {
            LowerCaseBeforeTokenization = true,
            RemoveNonSpacingMarks = true,
            IndividuallyTokenizeCjk = true,
            ApplyBasicTokenization = true,
            SplitOnSpecialTokens = true,
        });

        if (args.Contains("--compare-only"))
        {
            CompareWithReference(dir, fast, ml, ours);
            return 0;
        }
        if (args.Contains("--split"))
        {
            var asciiLines = lines.Where(l => l.All(ch => ch < 128)).ToArray();
            var otherLines = lines.Where(l => !l.All(ch => ch < 128)).ToArray();
            foreach (var (label, set) in new[] { ("ascii", asciiLines), ("non-ascii", otherLines) })
            {
                var buf = new int[100000];
                for (int r = 0; r < 4; r++)
                {
                    var c0 = Process.GetCurrentProcess().TotalProcessorTime;
                    foreach (var l in set) ours.EncodeIds(l, buf);
                    var c1 = Process.GetCurrentProcess().TotalProcessorTime;
                    foreach (var l in set) fast.Encode(l, 100000);
                    var c2 = Process.GetCurrentProcess().TotalProcessorTime;
                    Console.WriteLine($"{label} ({set.Length} lines, {set.Sum(l => l.Length)} chars): ours {(c1 - c0).TotalSeconds:F3} s, fast {(c2 - c1).TotalSeconds:F3} s");
                }
            }
            return 0;
        }
        if (args.Contains("--ab"))
        {
            AlternateIdsPaths(ours, fast, lines, repeats);
            return 0;
        }
        long tokens = lines.Sum(l => (long)ours.Encode(l).Length);
        int longest = lines.Max(l => ours.Encode(l).Length);
        Console.WriteLine($"CPU: {CpuModel()}, {Environment.ProcessorCount} logical cores; .NET {Environment.Version}");
        Console.WriteLine($"corpus: {corpus.Length} lines repeated to {lines.Length} lines, {bytes / 1e6:F1} MB UTF-8, {tokens} tokens (with [CLS]/[SEP]), longest {longest}");
        Console.WriteLine();

        var naiveLines = lines.Take(lines.Length / 10).ToArray();
        long naiveTokens = naiveLines.Sum(l => (long)ours.Encode(l).Length);
        string threads = $"batch, {Environment.ProcessorCount} threads";
        var cases = new List<(string Name, string Mode, Action Run, long Tokens)>
        {
            ("Electra.Tokenizer Encode (full BertEncoding)", "1 thread", () => { foreach (var l in lines) ours.Encode(l); }, tokens),
            ("Electra.Tokenizer EncodeIds (ids into a span)", "1 thread", () => { var buf = new int[longest]; foreach (var l in lines) ours.EncodeIds(l, buf); }, tokens),
            ("FastBertTokenizer 1.2.6 Encode", "1 thread", () => { foreach (var l in lines) fast.Encode(l, longest); }, tokens),
            ("Microsoft.ML.Tokenizers 3.0.0 EncodeToTokens (ids, strings, offsets)", "1 thread", () => { foreach (var l in lines) MlTokens(ml, l); }, tokens),
            ("Microsoft.ML.Tokenizers 3.0.0 EncodeToIds", "1 thread", () => { foreach (var l in lines) MlIds(ml, l); }, tokens),
            ("naive port (1/10 of the data)", "1 thread", () => { foreach (var l in naiveLines) naive.Encode(l); }, naiveTokens),
            ("Electra.Tokenizer EncodeBatch", threads, () => OursBatch(ours, lines), tokens),
            ("Electra.Tokenizer EncodeBatchIds (ids into matrices)", threads, () => OursBatchIds(ours, lines, longest), tokens),
            ("FastBertTokenizer 1.2.6 batch Encode", threads, () => FastBatch(fast, lines, longest), tokens),
            ("Microsoft.ML.Tokenizers 3.0.0 EncodeToTokens in Parallel.For", threads, () => MlBatch(ml, lines), tokens),
        };
        // Ours vs each peer's closest equivalent: (ours, peer).
        var pairs = new (int Ours, int Peer)[] { (0, 2), (0, 3), (1, 2), (1, 4), (6, 8), (6, 9), (7, 8) };
        // Rounds interleave the contenders so that load from other processes hits them alike.
        var wall = cases.Select(_ => new List<double>()).ToArray();
        var cpu = cases.Select(_ => new List<double>()).ToArray();
        foreach (var c in cases) c.Run();
        for (int r = 0; r < repeats; r++)
            for (int k = 0; k < cases.Count; k++)
            {
                GC.Collect();
                var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
                var sw = Stopwatch.StartNew();
                cases[k].Run();
                wall[k].Add(sw.Elapsed.TotalSeconds);
                cpu[k].Add((Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds);
            }

        Console.WriteLine("| tokenizer | mode | wall s (median) | wall s (min) | CPU s (median) | M tokens/s (best wall) | M tokens/s (median CPU) | MB/s (best wall) |");
        Console.WriteLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (int k = 0; k < cases.Count; k++)
        {
            var (name, mode, _, count) = cases[k];
            double best = wall[k].Min();
            double share = (double)count / tokens;
            Console.WriteLine($"| {name} | {mode} | {Median(wall[k].ToArray()):F3} | {best:F3} | {Median(cpu[k].ToArray()):F3} | {count / best / 1e6:F2} | {count / Median(cpu[k].ToArray()) / 1e6:F2} | {bytes * share / best / 1e6:F1} |");
        }
        Console.WriteLine();
        // Each round runs every contender back to back, so a round's ratio compares them under the same load.
        Console.WriteLine("| ours | peer | peer time / ours, per round (wall) | range (CPU) |");
        Console.WriteLine("| --- | --- | --- | --- |");
        foreach (var (a, b) in pairs)
        {
            var w = Enumerable.Range(0, repeats).Select(r => wall[b][r] / wall[a][r]).ToArray();
            var c = Enumerable.Range(0, repeats).Select(r => cpu[b][r] / cpu[a][r]).ToArray();
            Console.WriteLine($"| {cases[a].Name} | {cases[b].Name} | {string.Join(" ", w.Select(x => x.ToString("F2")))} (median {Median(w):F2}) | {c.Min():F2}–{c.Max():F2} |");
        }
        Console.WriteLine();
        CompareWithReference(dir, fast, ml, ours);
        return 0;
    }

    /// <summary>
    /// --ab: EncodeIds as before round eight (spans tracked, no length filter: the library's A/B switches), with the
    /// ids-only route alone and as it is, next to FastBertTokenizer's Encode and our full Encode with and without the
    /// length filter, alternating in one process; CPU seconds per round.
    /// </summary>
    private static void AlternateIdsPaths(BertTokenizer ours, Fast.BertTokenizer fast, string[] lines, int repeats)
    {
        int longest = lines.Max(l => ours.Encode(l).Length);
        var buf = new int[longest];
        var cases = new (string Name, Action Run)[]
        {
            ("EncodeIds as before", () => { Switch(false, false); foreach (var l in lines) ours.EncodeIds(l, buf); Switch(true, true); }),
            ("EncodeIds, ids only", () => { Switch(true, false); foreach (var l in lines) ours.EncodeIds(l, buf); Switch(true, true); }),
            ("EncodeIds", () => { foreach (var l in lines) ours.EncodeIds(l, buf); }),
            ("FastBertTokenizer Encode", () => { foreach (var l in lines) fast.Encode(l, longest); }),
            ("Encode (full)", () => { foreach (var l in lines) ours.Encode(l); }),
            ("Encode (full) as before", () => { Switch(true, false); foreach (var l in lines) ours.Encode(l); Switch(true, true); }),
        };
        var cpu = cases.Select(_ => new List<double>()).ToArray();
        foreach (var c in cases) c.Run();
        for (int r = 0; r < repeats; r++)
            for (int k = 0; k < cases.Length; k++)
            {
                GC.Collect();
                var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
                cases[k].Run();
                cpu[k].Add((Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds);
            }
        for (int k = 0; k < cases.Length; k++)
            Console.WriteLine($"{cases[k].Name,-26} CPU s per round: {string.Join(" ", cpu[k].Select(x => x.ToString("F3")))} (median {Median(cpu[k].ToArray()):F3})");
        const int peer = 3;
        foreach (int k in new[] { 0, 1, 2, 4, 5 })
        {
            var ratios = Enumerable.Range(0, repeats).Select(r => cpu[peer][r] / cpu[k][r]).ToArray();
            Console.WriteLine($"FastBertTokenizer / {cases[k].Name,-26}: {string.Join(" ", ratios.Select(x => x.ToString("F2")))} (median {Median(ratios):F2})");
        }
        foreach (var (before, after) in new[] { (0, 2), (5, 4) })
        {
            var gain = Enumerable.Range(0, repeats).Select(r => cpu[before][r] / cpu[after][r]).ToArray();
            Console.WriteLine($"{cases[before].Name} / {cases[after].Name}: {string.Join(" ", gain.Select(x => x.ToString("F2")))} (median {Median(gain):F2})");
        }

        static void Switch(bool idsOnly, bool lengthFilter)
        {
            BertTokenizer.IdsOnlySkipsSpans = idsOnly;
            SpanIdTable.FiltersByLength = lengthFilter;
        }
    }

    private const int BatchSize = 4096;

    private static void OursBatch(BertTokenizer tok, string[] lines)
    {
        for (int i = 0; i < lines.Length; i += BatchSize)
            tok.EncodeBatch(new ArraySegment<string>(lines, i, Math.Min(BatchSize, lines.Length - i)));
    }

    private static void OursBatchIds(BertTokenizer tok, string[] lines, int longest)
    {
        var ids = new int[BatchSize * longest];
        var mask = new int[BatchSize * longest];
        for (int i = 0; i < lines.Length; i += BatchSize)
        {
            int n = Math.Min(BatchSize, lines.Length - i);
            tok.EncodeBatchIds(new ArraySegment<string>(lines, i, n), ids, mask, longest);
        }
    }

    private static void FastBatch(Fast.BertTokenizer tok, string[] lines, int longest)
    {
        var ids = new long[BatchSize * longest];
        var mask = new long[BatchSize * longest];
        for (int i = 0; i < lines.Length; i += BatchSize)
        {
            int n = Math.Min(BatchSize, lines.Length - i);
            tok.Encode(new ReadOnlyMemory<string>(lines, i, n), ids.AsMemory(0, n * longest), mask.AsMemory(0, n * longest), longest);
        }
    }

    // Microsoft.ML.Tokenizers throws ArgumentException on text string.Normalize refuses (a lone surrogate); such
    // lines count as differing from transformers and cost what the exception costs.
    private static IReadOnlyList<Ml.EncodedToken>? MlTokens(Ml.BertTokenizer tok, string line)
    {
        try { return tok.EncodeToTokens(line, out _); }
        catch (ArgumentException) { return null; }
    }

    private static IReadOnlyList<int>? MlIds(Ml.BertTokenizer tok, string line)
    {
        try { return tok.EncodeToIds(line, addSpecialTokens: true); }
        catch (ArgumentException) { return null; }
    }

    /// <summary>The peer without a batch call: EncodeToTokens over chunks of lines in Parallel.For, as ours does.</summary>
    private static void MlBatch(Ml.BertTokenizer tok, string[] lines)
    {
        for (int i = 0; i < lines.Length; i += BatchSize)
        {
            int start = i, n = Math.Min(BatchSize, lines.Length - i);
            var results = new IReadOnlyList<Ml.EncodedToken>?[n];
            Parallel.For(0, (n + 63) / 64, c =>
            {
                for (int k = c * 64; k < Math.Min(n, (c + 1) * 64); k++) results[k] = MlTokens(tok, lines[start + k]);
            });
        }
    }

    /// <summary>Counts corpus lines (the "uncased" reference cases) where each tokenizer's ids differ from transformers'.</summary>
    private static void CompareWithReference(string dir, Fast.BertTokenizer fast, Ml.BertTokenizer ml, BertTokenizer ours)
    {
        int cases = 0, fastDiffers = 0, mlDiffers = 0, mlThrows = 0, oursDiffers = 0;
        var mlExamples = new List<string>();
        var examples = new List<string>();
        foreach (var line in File.ReadLines(Path.Combine(dir, "reference.jsonl")))
        {
            using var doc = JsonDocument.Parse(line);
            var c = doc.RootElement;
            if (c.GetProperty("kind").GetString() != "uncased") continue;
            cases++;
            var text = c.GetProperty("text").GetString()!;
            var expected = c.GetProperty("input_ids").EnumerateArray().Select(x => (long)x.GetInt32()).ToArray();
            var (fastIds, _, _) = fast.Encode(text, 8192);
            var actual = fastIds.ToArray();
            if (!actual.SequenceEqual(expected))
            {
                fastDiffers++;
                if (examples.Count < 25)
                {
                    int at = Enumerable.Range(0, Math.Min(actual.Length, expected.Length)).FirstOrDefault(i => actual[i] != expected[i], Math.Min(actual.Length, expected.Length));
                    string Show(long[] ids) => string.Join(" ", ids.Skip(Math.Max(0, at - 1)).Take(4).Select(id => ours.Vocabulary.TokenOf((int)id) ?? $"#{id}"));
                    var snippet = text.Length > 60 ? text[..60] + "…" : text;
                    examples.Add($"- `{c.GetProperty("id").GetString()}` {JsonSerializer.Serialize(snippet)}: transformers `{Show(expected)}` vs FastBertTokenizer `{Show(actual)}`");
                }
            }
            if (!ours.Encode(text).InputIds.Select(i => (long)i).SequenceEqual(expected)) oursDiffers++;
            var mlResult = MlIds(ml, text);
            var mlIds = mlResult?.Select(i => (long)i).ToArray() ?? [];
            if (mlResult is null) mlThrows++;
            if (!mlIds.SequenceEqual(expected))
            {
                mlDiffers++;
                if (mlExamples.Count < 25)
                {
                    int at = Enumerable.Range(0, Math.Min(mlIds.Length, expected.Length)).FirstOrDefault(i => mlIds[i] != expected[i], Math.Min(mlIds.Length, expected.Length));
                    string Show(long[] ids) => string.Join(" ", ids.Skip(Math.Max(0, at - 1)).Take(4).Select(id => ours.Vocabulary.TokenOf((int)id) ?? $"#{id}"));
                    var snippet = text.Length > 60 ? text[..60] + "…" : text;
                    mlExamples.Add($"- `{c.GetProperty("id").GetString()}` {JsonSerializer.Serialize(snippet)}: transformers `{Show(expected)}` vs Microsoft.ML.Tokenizers `{(mlResult is null ? "ArgumentException" : Show(mlIds))}`");
                }
            }
        }
        Console.WriteLine($"ids differing from transformers on the {cases} corpus lines (uncased reference cases): FastBertTokenizer {fastDiffers}, Microsoft.ML.Tokenizers {mlDiffers} ({mlThrows} of them an ArgumentException), Electra.Tokenizer {oursDiffers}");
        foreach (var e in examples) Console.WriteLine(e);
        foreach (var e in mlExamples) Console.WriteLine(e);
    }

    private static double Median(double[] xs)
    {
        var s = xs.OrderBy(x => x).ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }

    private static string[] Repeat(string[] corpus, long targetChars)
    {
        var result = new List<string>();
        long total = 0;
        while (total < targetChars)
            foreach (var l in corpus)
            {
                result.Add(l);
                total += l.Length + 1;
            }
        return result.ToArray();
    }

    private static string CpuModel()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name"))?.Split(':', 2)[1].Trim() ?? "unknown";
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    private static string FindShared()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d is not null && !File.Exists(Path.Combine(d.FullName, "Electra.sln"))) d = d.Parent;
        return Path.GetFullPath(Path.Combine(d?.FullName ?? ".", "..", "shared"));
    }
}
