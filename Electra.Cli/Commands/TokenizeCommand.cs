using System.Text.Encodings.Web;
using System.Text.Json;
using Electra.Core.Errors;
using Electra.Tokenizer;

namespace Electra.Cli.Commands;

/// <summary>
/// <c>electra tokenize</c>: reads JSON lines <c>{"text": ..., "text_pair": ...}</c> and writes one JSON line per input
/// with tokens, input_ids, token_type_ids, attention_mask (and offsets), in input order.
/// </summary>
public static class TokenizeCommand
{
    public const string Usage =
        "usage: electra tokenize (--model DIR|HUB_ID | --vocab FILE | --tokenizer-json FILE) [--lowercase true|false]\n" +
        "         [--strip-accents true|false|auto] [--chinese-chars true|false] [--max-length N]\n" +
        "         [--truncation longest_first|only_first|only_second|none] [--padding longest|max_length|none]\n" +
        "         [--pad-to-multiple-of N] [--stride N] [--offsets] [--input FILE] [--skip-errors]\n" +
        "reads JSON lines {\"text\": ..., \"text_pair\": ...} (stdin by default), writes one JSON line per input as it\n" +
        "is read (with --padding longest, after the last). A bad line stops the run with its line number, the lines\n" +
        "before it written; --skip-errors reports it on stderr, goes on, and reports how many lines were skipped.";

    private sealed class UsageException(string message) : Exception(message);

    private sealed record Arguments(
        string? Model, string? Vocab, string? TokenizerJson, bool? Lowercase, string? StripAccents, bool? ChineseChars,
        int? MaxLength, string? Truncation, string? Padding, int? PadToMultipleOf, int Stride, bool Offsets, string? Input,
        bool SkipErrors = false);

    /// <param name="args">The arguments after "tokenize".</param>
    /// <param name="stdin">Where the JSON lines are read from when no --input file is given.</param>
    /// <param name="stdout">Receives one JSON line per input.</param>
    /// <param name="stderr">Receives usage and error messages, and the lines skipped with --skip-errors.</param>
    /// <returns>0 on success, 1 when a bad line, file or tokenizer stopped the run, 2 for bad arguments.</returns>
    public static int Run(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        Arguments a;
        try
        {
            a = Parse(args);
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"electra tokenize: {e.Message}");
            stderr.WriteLine(Usage);
            return 2;
        }
        try
        {
            var tokenizer = LoadTokenizer(a);
            var options = EncodeOptionsFor(a);
            int skipped = 0;
            var inputs = ReadInputs(a.Input is null ? stdin : null, a.Input, error =>
            {
                if (!a.SkipErrors) throw error;
                skipped++;
                stderr.WriteLine($"electra tokenize: skipped {error.Message}");
            });
            if (options.Padding == PaddingStrategy.Longest)
            {
                // Padding to the longest needs every input first.
                WriteOutputs(stdout, tokenizer.EncodeBatch(inputs.ToList(), options), a.Offsets);
            }
            else
            {
                // Streamed: the results before a bad line are written (and valid) when the run stops there.
                foreach (var input in inputs)
                    WriteOutputs(stdout, [tokenizer.Encode(input.Text, input.TextPair, options)], a.Offsets);
            }
            stdout.Flush();
            if (skipped > 0) stderr.WriteLine($"electra tokenize: skipped {skipped} bad line(s)");
            return 0;
        }
        catch (Exception e) when (e is ElectraException or IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"electra tokenize: {e.Message}");
            return 1;
        }
    }

    private static Arguments Parse(string[] args)
    {
        var a = new Arguments(null, null, null, null, null, null, null, null, null, null, 0, false, null);
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            string Value()
            {
                if (i + 1 >= args.Length) throw new UsageException($"{name} needs a value");
                return args[++i];
            }
            a = name switch
            {
                "--model" => a with { Model = Value() },
                "--vocab" => a with { Vocab = Value() },
                "--tokenizer-json" => a with { TokenizerJson = Value() },
                "--lowercase" => a with { Lowercase = ParseBool(name, Value()) },
                "--strip-accents" => a with { StripAccents = OneOf(name, Value(), "true", "false", "auto") },
                "--chinese-chars" => a with { ChineseChars = ParseBool(name, Value()) },
                "--max-length" => a with { MaxLength = ParseInt(name, Value(), 1) },
                "--truncation" => a with { Truncation = OneOf(name, Value(), "longest_first", "only_first", "only_second", "none") },
                "--padding" => a with { Padding = OneOf(name, Value(), "longest", "max_length", "none") },
                "--pad-to-multiple-of" => a with { PadToMultipleOf = ParseInt(name, Value(), 1) },
                "--stride" => a with { Stride = ParseInt(name, Value(), 0) },
                "--offsets" => a with { Offsets = true },
                "--input" => a with { Input = Value() },
                "--skip-errors" => a with { SkipErrors = true },
                _ => throw new UsageException($"unknown option '{name}'"),
            };
        }
        int sources = (a.Model is null ? 0 : 1) + (a.Vocab is null ? 0 : 1) + (a.TokenizerJson is null ? 0 : 1);
        if (sources != 1) throw new UsageException("give exactly one of --model, --vocab, --tokenizer-json");
        return a;
    }

    private static bool ParseBool(string name, string v) => OneOf(name, v, "true", "false") == "true";

    private static string OneOf(string name, string v, params string[] allowed) =>
        allowed.Contains(v) ? v : throw new UsageException($"{name} must be one of {string.Join(", ", allowed)}, got '{v}'");

    private static int ParseInt(string name, string v, int min) =>
        int.TryParse(v, out int n) && n >= min ? n : throw new UsageException($"{name} must be an integer >= {min}, got '{v}'");

    private static BertTokenizer LoadTokenizer(Arguments a)
    {
        BertTokenizerOptions Configure(BertTokenizerOptions o)
        {
            if (a.Lowercase is bool lower) o = o with { DoLowerCase = lower };
            if (a.StripAccents is string strip) o = o with { StripAccents = strip == "auto" ? null : strip == "true" };
            if (a.ChineseChars is bool cjk) o = o with { TokenizeChineseChars = cjk };
            return o;
        }
        if (a.Model is not null) return BertTokenizer.Load(ModelDirectory.Resolve(a.Model), Configure);
        if (a.TokenizerJson is not null) return BertTokenizer.FromTokenizerJson(a.TokenizerJson, Configure);
        return BertTokenizer.FromVocabFile(a.Vocab!, Configure(BertTokenizerOptions.Default));
    }

    /// <summary>transformers' rule: a max_length without a truncation strategy (and without padding) means longest_first.</summary>
    private static EncodeOptions EncodeOptionsFor(Arguments a)
    {
        var padding = a.Padding switch
        {
            "longest" => PaddingStrategy.Longest,
            "max_length" => PaddingStrategy.MaxLength,
            _ => PaddingStrategy.None,
        };
        var truncation = a.Truncation switch
        {
            "longest_first" => TruncationStrategy.LongestFirst,
            "only_first" => TruncationStrategy.OnlyFirst,
            "only_second" => TruncationStrategy.OnlySecond,
            "none" => TruncationStrategy.None,
            _ => a.MaxLength is not null && padding == PaddingStrategy.None ? TruncationStrategy.LongestFirst : TruncationStrategy.None,
        };
        return new EncodeOptions
        {
            MaxLength = a.MaxLength,
            Truncation = truncation,
            Padding = padding,
            PadToMultipleOf = a.PadToMultipleOf,
            Stride = a.Stride,
        };
    }

    /// <summary>The inputs, read lazily line by line; a bad line goes to <paramref name="onError"/>, which throws to stop.</summary>
    private static IEnumerable<(string Text, string? TextPair)> ReadInputs(TextReader? stdin, string? path, Action<InputException> onError)
    {
        using var owned = path is null ? null : OpenInput(path);
        var reader = owned ?? stdin!;
        string source = path ?? "stdin";
        int lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            (string, string?) input;
            try
            {
                using var doc = JsonDocument.Parse(line);
                var root = doc.RootElement;
                if (root.ValueKind != JsonValueKind.Object) throw new InputException($"{source} line {lineNumber}: expected a JSON object");
                if (!root.TryGetProperty("text", out var text) || text.ValueKind != JsonValueKind.String)
                    throw new InputException($"{source} line {lineNumber}: \"text\" must be a string");
                string? pair = null;
                if (root.TryGetProperty("text_pair", out var p) && p.ValueKind != JsonValueKind.Null)
                    pair = p.ValueKind == JsonValueKind.String ? p.GetString()
                        : throw new InputException($"{source} line {lineNumber}: \"text_pair\" must be a string or null");
                input = (text.GetString()!, pair);
            }
            catch (JsonException e)
            {
                onError(new InputException($"{source} line {lineNumber}: invalid JSON: {e.Message}"));
                continue;
            }
            catch (InputException e)
            {
                onError(e);
                continue;
            }
            catch (InvalidOperationException e)
            {
                // GetString on a lone surrogate escape ("\ud800").
                onError(new InputException($"{source} line {lineNumber}: a string is not valid Unicode: {e.Message}"));
                continue;
            }
            yield return input;
        }
    }

    private static StreamReader OpenInput(string path)
    {
        if (!File.Exists(path)) throw new InputException($"{path}: input file not found");
        return new StreamReader(path, new System.Text.UTF8Encoding(false));
    }

    private static void WriteOutputs(TextWriter stdout, IReadOnlyList<BertEncoding> encodings, bool offsets)
    {
        var options = new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        using var buffer = new MemoryStream();
        foreach (var e in encodings)
        {
            buffer.SetLength(0);
            using (var w = new Utf8JsonWriter(buffer, options))
            {
                w.WriteStartObject();
                w.WriteStartArray("tokens");
                foreach (var t in e.Tokens) w.WriteStringValue(t);
                w.WriteEndArray();
                WriteInts(w, "input_ids", e.InputIds);
                WriteInts(w, "token_type_ids", e.TokenTypeIds);
                WriteInts(w, "attention_mask", e.AttentionMask);
                if (offsets)
                {
                    w.WriteStartArray("offsets");
                    foreach (var o in e.Offsets)
                    {
                        w.WriteStartArray();
                        w.WriteNumberValue(o.Start);
                        w.WriteNumberValue(o.End);
                        w.WriteEndArray();
                    }
                    w.WriteEndArray();
                }
                if (e.OverflowingTokens.Length > 0) WriteInts(w, "overflowing_tokens", e.OverflowingTokens);
                w.WriteEndObject();
            }
            stdout.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
        }
    }

    private static void WriteInts(Utf8JsonWriter w, string name, System.Collections.Immutable.ImmutableArray<int> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values) w.WriteNumberValue(v);
        w.WriteEndArray();
    }
}
