using System.Collections.Immutable;
using System.Text.Json;

namespace Electra.Tokenizer;

/// <summary>
/// Reads HF tokenizers' tokenizer.json for a BERT WordPiece tokenizer. Anything this library would not reproduce
/// exactly (another model type, normaliser or pre-tokeniser, stripping added tokens) is refused with the field named.
/// </summary>
internal static class TokenizerJson
{
    internal static (Vocabulary Vocabulary, BertTokenizerOptions Options) Read(string path)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(TokenizerFiles.ReadAllBytes(path, TokenizerFiles.MaxTokenizerJsonBytes, "tokenizer.json"),
                new JsonDocumentOptions { AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new TokenizerFormatException(path, $"line {e.LineNumber + 1}", $"invalid JSON: {e.Message}", e);
        }
        try
        {
            return ReadDocument(path, doc);
        }
        catch (InvalidOperationException e)
        {
            // JsonElement.GetString throws this for invalid UTF-8 or an escaped lone surrogate inside a string.
            throw new TokenizerFormatException(path, null, $"a string is not valid Unicode: {e.Message}", e);
        }
        finally
        {
            doc.Dispose();
        }
    }

    private static (Vocabulary Vocabulary, BertTokenizerOptions Options) ReadDocument(string path, JsonDocument doc)
    {
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw Error(path, "(root)", "expected a JSON object");
            var options = BertTokenizerOptions.Default;

            var model = Required(path, root, "model", JsonValueKind.Object);
            var modelType = OptionalString(path, model, "model.type", "type");
            if (modelType is not null && modelType != "WordPiece")
                throw Error(path, "model.type", $"'{modelType}' is not supported; only WordPiece (BERT) tokenizers are");
            options = options with
            {
                UnkToken = OptionalString(path, model, "model.unk_token", "unk_token") ?? options.UnkToken,
                ContinuingSubwordPrefix = OptionalString(path, model, "model.continuing_subword_prefix", "continuing_subword_prefix") ?? options.ContinuingSubwordPrefix,
                MaxInputCharsPerWord = OptionalInt(path, model, "model.max_input_chars_per_word", "max_input_chars_per_word") ?? options.MaxInputCharsPerWord,
            };
            if (options.MaxInputCharsPerWord < 0)
                throw Error(path, "model.max_input_chars_per_word", $"must not be negative, got {options.MaxInputCharsPerWord}");
            var vocabJson = Required(path, model, "vocab", JsonValueKind.Object, "model.vocab");
            // Ids must end up exactly 0..n-1, so none may reach the number of entries (vocab plus added tokens): a
            // plain array of that size holds them, with no id from the file used as a hash key and no absurd id
            // (2^31-1) sizing anything. An id beyond it is counted, so that the contiguity check below reports it.
            int vocabCount = 0;
            foreach (var _ in vocabJson.EnumerateObject()) vocabCount++;
            int addedCount = root.TryGetProperty("added_tokens", out var addedJson) && addedJson.ValueKind == JsonValueKind.Array
                ? addedJson.GetArrayLength() : 0;
            var vocabEntries = new IdTable(vocabCount + addedCount);
            foreach (var entry in vocabJson.EnumerateObject())
            {
                if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt32(out int id) || id < 0)
                    throw Error(path, $"model.vocab[\"{entry.Name}\"]", $"expected a non-negative integer id, got {entry.Value}");
                if (vocabEntries[id] is { } other)
                    throw Error(path, $"model.vocab[\"{entry.Name}\"]", $"id {id} is also given to '{other}'");
                vocabEntries[id] = entry.Name;
            }

            options = ReadNormalizer(path, root, options);
            ReadPreTokenizer(path, root);
            options = ReadPostProcessor(path, root, options);
            options = ReadAddedTokens(path, root, options, vocabEntries);
            if (root.TryGetProperty("padding", out var padding) && padding.ValueKind == JsonValueKind.Object)
                options = options with { PadToken = OptionalString(path, padding, "padding.pad_token", "pad_token") ?? options.PadToken };
            if (root.TryGetProperty("decoder", out var decoder) && decoder.ValueKind == JsonValueKind.Object
                && decoder.TryGetProperty("cleanup", out var cleanup) && cleanup.ValueKind is JsonValueKind.True or JsonValueKind.False)
                options = options with { CleanUpTokenizationSpaces = cleanup.GetBoolean() };

            if (vocabEntries.Count == 0) throw Error(path, "model.vocab", "the vocabulary is empty");
            // Ids are distinct and non-negative, so they are 0..Count-1 exactly when none of those is missing.
            int count = vocabEntries.Count;
            var tokens = new string[count];
            for (int id = 0; id < count; id++)
                tokens[id] = vocabEntries[id] ?? throw Error(path, "model.vocab",
                    $"ids are not contiguous: no token has id {id} (largest id {vocabEntries.Largest})");
            return (new Vocabulary(tokens, options.ContinuingSubwordPrefix), options);
        }
    }

    private static BertTokenizerOptions ReadNormalizer(string path, JsonElement root, BertTokenizerOptions options)
    {
        if (!root.TryGetProperty("normalizer", out var n) || n.ValueKind == JsonValueKind.Null)
            throw Error(path, "normalizer", "missing; a BERT tokenizer needs a BertNormalizer");
        var type = OptionalString(path, n, "normalizer.type", "type");
        if (type != "BertNormalizer")
            throw Error(path, "normalizer.type", $"'{type}' is not supported; only BertNormalizer is");
        if (OptionalBool(path, n, "normalizer.clean_text", "clean_text") == false)
            throw Error(path, "normalizer.clean_text", "false is not supported");
        return options with
        {
            DoLowerCase = OptionalBool(path, n, "normalizer.lowercase", "lowercase") ?? true,
            StripAccents = OptionalBool(path, n, "normalizer.strip_accents", "strip_accents"),
            TokenizeChineseChars = OptionalBool(path, n, "normalizer.handle_chinese_chars", "handle_chinese_chars") ?? true,
        };
    }

    private static void ReadPreTokenizer(string path, JsonElement root)
    {
        if (!root.TryGetProperty("pre_tokenizer", out var p) || p.ValueKind == JsonValueKind.Null)
            throw Error(path, "pre_tokenizer", "missing; a BERT tokenizer needs a BertPreTokenizer");
        var type = OptionalString(path, p, "pre_tokenizer.type", "type");
        if (type != "BertPreTokenizer")
            throw Error(path, "pre_tokenizer.type", $"'{type}' is not supported; only BertPreTokenizer is");
    }

    private static BertTokenizerOptions ReadPostProcessor(string path, JsonElement root, BertTokenizerOptions options)
    {
        if (!root.TryGetProperty("post_processor", out var p) || p.ValueKind == JsonValueKind.Null)
            throw Error(path, "post_processor", "missing; expected TemplateProcessing or BertProcessing adding [CLS] and [SEP]");
        var type = OptionalString(path, p, "post_processor.type", "type");
        if (type == "BertProcessing")
        {
            string cls = PairToken(path, p, "cls"), sep = PairToken(path, p, "sep");
            return options with { ClsToken = cls, SepToken = sep };
        }
        if (type != "TemplateProcessing")
            throw Error(path, "post_processor.type", $"'{type}' is not supported; only TemplateProcessing and BertProcessing are");
        var single = Template(path, p, "single");
        var pair = Template(path, p, "pair");
        // The BERT shapes: [CLS]:0 $A:0 [SEP]:0 and [CLS]:0 $A:0 [SEP]:0 $B:t [SEP]:t.
        bool singleOk = single.Count == 3 && single[0].Special && !single[1].Special && single[1].Id == "A" && single[2].Special
            && single.All(x => x.TypeId == 0);
        bool pairOk = pair.Count == 5 && pair[0].Special && pair[0].Id == single[0].Id && pair[1].Id == "A" && !pair[1].Special
            && pair[2].Special && pair[2].Id == single[2].Id && !pair[3].Special && pair[3].Id == "B" && pair[4].Special
            && pair[4].Id == single[2].Id && pair[0].TypeId == 0 && pair[1].TypeId == 0 && pair[2].TypeId == 0 && pair[3].TypeId == pair[4].TypeId;
        if (!singleOk || !pairOk)
            throw Error(path, "post_processor", "only the BERT template '[CLS] $A [SEP]' / '[CLS] $A [SEP] $B [SEP]' is supported");
        return options with { ClsToken = single[0].Id, SepToken = single[2].Id, PairTypeId = pair[3].TypeId };
    }

    private readonly record struct TemplatePiece(bool Special, string Id, int TypeId);

    private static List<TemplatePiece> Template(string path, JsonElement p, string name)
    {
        var field = $"post_processor.{name}";
        var items = Required(path, p, name, JsonValueKind.Array, field);
        var result = new List<TemplatePiece>();
        int i = 0;
        foreach (var item in items.EnumerateArray())
        {
            var at = $"{field}[{i++}]";
            if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty("SpecialToken", out var st))
                result.Add(new TemplatePiece(true, RequiredString(path, st, "id", at + ".SpecialToken.id"), OptionalInt(path, st, at + ".SpecialToken.type_id", "type_id") ?? 0));
            else if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty("Sequence", out var sq))
                result.Add(new TemplatePiece(false, RequiredString(path, sq, "id", at + ".Sequence.id"), OptionalInt(path, sq, at + ".Sequence.type_id", "type_id") ?? 0));
            else throw Error(path, at, "expected {\"SpecialToken\": ...} or {\"Sequence\": ...}");
        }
        return result;
    }

    private static string PairToken(string path, JsonElement p, string name)
    {
        var arr = Required(path, p, name, JsonValueKind.Array, $"post_processor.{name}");
        if (arr.GetArrayLength() != 2 || arr[0].ValueKind != JsonValueKind.String)
            throw Error(path, $"post_processor.{name}", "expected [\"token\", id]");
        return arr[0].GetString()!;
    }

    private static BertTokenizerOptions ReadAddedTokens(string path, JsonElement root, BertTokenizerOptions options, IdTable vocab)
    {
        if (!root.TryGetProperty("added_tokens", out var added) || added.ValueKind == JsonValueKind.Null) return options;
        if (added.ValueKind != JsonValueKind.Array) throw Error(path, "added_tokens", "expected an array");
        var extra = ImmutableArray.CreateBuilder<string>();
        var known = new HashSet<string> { options.UnkToken, options.ClsToken, options.SepToken, options.PadToken, options.MaskToken };
        int i = 0;
        foreach (var t in added.EnumerateArray())
        {
            var at = $"added_tokens[{i++}]";
            var content = RequiredString(path, t, "content", at + ".content");
            if (!t.TryGetProperty("id", out var idJson) || idJson.ValueKind != JsonValueKind.Number || !idJson.TryGetInt32(out int id) || id < 0)
                throw Error(path, at + ".id", "expected a non-negative integer");
            foreach (var flag in new[] { "lstrip", "rstrip", "single_word" })
                if (OptionalBool(path, t, $"{at}.{flag}", flag) == true)
                    throw Error(path, $"{at}.{flag}", $"added token '{content}': {flag}=true is not supported");
            if (vocab[id] is { } existing)
            {
                if (existing != content)
                    throw Error(path, at, $"added token '{content}' has id {id}, which the vocabulary gives to '{existing}'");
            }
            else vocab[id] = content;
            if (!known.Contains(content)) extra.Add(content);
        }
        return options with { AdditionalSpecialTokens = options.AdditionalSpecialTokens.AddRange(extra) };
    }

    private static JsonElement Required(string path, JsonElement obj, string name, JsonValueKind kind, string? field = null)
    {
        field ??= name;
        RequireObject(path, obj, field);
        if (!obj.TryGetProperty(name, out var v)) throw Error(path, field, "missing");
        if (v.ValueKind != kind) throw Error(path, field, $"expected {kind}, got {v.ValueKind}");
        return v;
    }

    private static string RequiredString(string path, JsonElement obj, string name, string field) =>
        Required(path, obj, name, JsonValueKind.String, field).GetString()!;

    private static string? OptionalString(string path, JsonElement obj, string field, string name)
    {
        RequireObject(path, obj, field);
        if (!obj.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind != JsonValueKind.String) throw Error(path, field, $"expected a string, got {v.ValueKind}");
        return v.GetString();
    }

    private static bool? OptionalBool(string path, JsonElement obj, string field, string name)
    {
        RequireObject(path, obj, field);
        if (!obj.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind is not (JsonValueKind.True or JsonValueKind.False)) throw Error(path, field, $"expected true or false, got {v}");
        return v.GetBoolean();
    }

    private static int? OptionalInt(string path, JsonElement obj, string field, string name)
    {
        RequireObject(path, obj, field);
        if (!obj.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out int i)) throw Error(path, field, $"expected an integer, got {v}");
        return i;
    }

    // JsonElement.TryGetProperty throws InvalidOperationException on a non-object; a hostile file must get a typed
    // error naming the field's parent instead (e.g. "normalizer": 5).
    private static void RequireObject(string path, JsonElement obj, string field)
    {
        if (obj.ValueKind == JsonValueKind.Object) return;
        int dot = field.LastIndexOf('.');
        var parent = dot > 0 ? field[..dot] : "(root)";
        throw Error(path, parent, $"expected a JSON object, got {obj.ValueKind}");
    }

    private static TokenizerFormatException Error(string path, string field, string message) => new(path, field, message);

    /// <summary>
    /// Tokens by id for ids below a capacity fixed by the file's entry count; an id at or past it reads as absent
    /// and is only counted (it can never be part of contiguous ids 0..n-1).
    /// </summary>
    private sealed class IdTable(int capacity)
    {
        private readonly string?[] _tokens = new string?[capacity];

        /// <summary>Distinct ids set (those past the capacity each counted once per setting).</summary>
        internal int Count { get; private set; }
        internal int Largest { get; private set; } = -1;

        internal string? this[int id]
        {
            get => (uint)id < (uint)_tokens.Length ? _tokens[id] : null;
            set
            {
                Largest = Math.Max(Largest, id);
                if ((uint)id >= (uint)_tokens.Length)
                {
                    Count++;
                    return;
                }
                if (_tokens[id] is null) Count++;
                _tokens[id] = value;
            }
        }
    }
}
