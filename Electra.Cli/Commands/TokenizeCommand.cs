using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using Electra.Cli.Options;
using Electra.Core.Errors;
using Electra.Tokenizer;

namespace Electra.Cli.Commands;

/// <summary>
/// <c>electra tokenize</c>: reads JSON lines <c>{"text": ..., "text_pair": ...}</c> and writes one JSON line per input
/// with tokens, input_ids, token_type_ids, attention_mask (and offsets), in input order.
/// </summary>
public static class TokenizeCommand
{
    private sealed record Arguments(
        string? Model, string? Revision, string? Vocab, string? TokenizerJson, bool? Lowercase, string? StripAccents, bool? ChineseChars,
        int? MaxLength, string? Truncation, string? Padding, int? PadToMultipleOf, int Stride, bool Offsets, string? Input, bool SkipErrors);

    public static Command Create(CliIO io)
    {
        var command = new Command("tokenize",
            "BERT WordPiece tokenization exactly as transformers' tokenizer: JSON lines {\"text\", \"text_pair\"} in, one JSON line of tokens and ids out per input");
        var model = command.Define(SharedOptions.Model("the tokenizer of a model folder or hub id (tokenizer.json or vocab.txt, with tokenizer_config.json)"));
        var revision = command.Define(SharedOptions.Revision());
        var vocab = command.Define(new Option<string>("--vocab") { Description = "a vocab.txt, with BertTokenizer's defaults", HelpName = "FILE" });
        var tokenizerJson = command.Define(new Option<string>("--tokenizer-json") { Description = "a tokenizer.json (BertWordPiece)", HelpName = "FILE" });
        var lowercase = command.Define(SharedOptions.Choice("--lowercase", "lowercase the text (default: the tokenizer's do_lower_case)", "true", "false"));
        var stripAccents = command.Define(SharedOptions.Choice("--strip-accents", "strip accents; auto follows --lowercase (default: the tokenizer's)", "true", "false", "auto"));
        var chineseChars = command.Define(SharedOptions.Choice("--chinese-chars", "split CJK ideographs into single tokens (default: the tokenizer's)", "true", "false"));
        var maxLength = command.Define(SharedOptions.Int("--max-length", "truncate (or pad, with --padding max_length) to N tokens", "N", min: 1));
        var truncation = command.Define(SharedOptions.Choice("--truncation", "truncation strategy (default: longest_first when --max-length is given without --padding)",
            "longest_first", "only_first", "only_second", "none"));
        var padding = command.Define(SharedOptions.Choice("--padding", "padding strategy (default: none)", "longest", "max_length", "none"));
        var padToMultiple = command.Define(SharedOptions.Int("--pad-to-multiple-of", "round padded lengths up to a multiple of N", "N", min: 1));
        var stride = command.Define(SharedOptions.Int("--stride", "tokens repeated between a truncated input and its overflowing_tokens (default: 0)", "N", min: 0));
        var offsets = command.Define(SharedOptions.Flag("--offsets", "also write each token's [start, end) character offsets"));
        var input = command.Define(SharedOptions.Input(
            "the JSON lines to read (default: stdin); each result is written as its line is read (with --padding longest, after the last), " +
            "and a bad line stops the run with its line number, the lines before it written"));
        var skipErrors = command.Define(SharedOptions.Flag("--skip-errors", "report a bad line on stderr and go on; the count of skipped lines is reported at the end"));
        command.Validators.Add(r =>
        {
            int sources = new Option[] { model, vocab, tokenizerJson }.Count(o => r.GetResult(o) is not null);
            if (sources != 1) r.AddError("give exactly one of --model, --vocab, --tokenizer-json");
        });
        command.SetAction(r => Run(new Arguments(
            r.GetValue(model), r.GetValue(revision), r.GetValue(vocab), r.GetValue(tokenizerJson), Bool(r.GetValue(lowercase)), r.GetValue(stripAccents),
            Bool(r.GetValue(chineseChars)), r.GetValue(maxLength), r.GetValue(truncation), r.GetValue(padding), r.GetValue(padToMultiple),
            r.GetValue(stride) ?? 0, r.GetValue(offsets), r.GetValue(input), r.GetValue(skipErrors)), io.In, io.Out, io.Err));
        return command;
    }

    private static bool? Bool(string? value) => value is null ? null : value == "true";

    /// <returns>0 on success, 1 when a bad line, file or tokenizer stopped the run.</returns>
    private static int Run(Arguments a, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
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

    private static BertTokenizer LoadTokenizer(Arguments a)
    {
        BertTokenizerOptions Configure(BertTokenizerOptions o)
        {
            if (a.Lowercase is bool lower) o = o with { DoLowerCase = lower };
            if (a.StripAccents is string strip) o = o with { StripAccents = strip == "auto" ? null : strip == "true" };
            if (a.ChineseChars is bool cjk) o = o with { TokenizeChineseChars = cjk };
            return o;
        }
        if (a.Model is not null) return BertTokenizer.Load(ModelDirectory.Resolve(a.Model, a.Revision), Configure);
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
