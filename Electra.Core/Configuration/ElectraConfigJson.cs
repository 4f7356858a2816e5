using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Electra.Core.Errors;
using Electra.Core.Files;

namespace Electra.Core.Configuration;

/// <summary>Reads and writes <see cref="ElectraConfig"/> as HF config.json.</summary>
public static class ElectraConfigJson
{
    private static readonly HashSet<string> Known =
    [
        "vocab_size", "embedding_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
        "hidden_act", "hidden_dropout_prob", "attention_probs_dropout_prob", "max_position_embeddings", "type_vocab_size",
        "initializer_range", "layer_norm_eps", "summary_type", "summary_use_proj", "summary_activation",
        "summary_last_dropout", "pad_token_id", "position_embedding_type", "use_cache", "classifier_dropout",
        "architectures", "model_type", "id2label", "label2id", "problem_type", "is_decoder", "tie_word_embeddings",
        "bos_token_id", "eos_token_id", "torch_dtype", "transformers_version", "num_labels",
    ];

    /// <summary>The largest num_labels accepted.</summary>
    public const int MaxLabels = 1_000_000;

    /// <summary>The largest num_labels accepted without an id2label map (the default names LABEL_i are then made).</summary>
    public const int MaxDefaultLabels = 10_000;

    /// <summary>Reads config.json from a file or from a model folder.</summary>
    /// <exception cref="ConfigException">missing file, invalid JSON, wrong types or invalid values (the message names the field).</exception>
    public static ElectraConfig Load(string path)
    {
        if (Directory.Exists(path)) path = Path.Combine(path, "config.json");
        if (!File.Exists(path)) throw new ConfigException($"{path}: file not found");
        string text;
        try { text = SafeFile.ReadAllText(path, SafeFile.MaxJsonBytes, "config.json"); }
        catch (InputFileException ex) { throw new ConfigException(ex.Message, ex); }
        return Parse(text, path);
    }

    /// <summary>Parses config.json text; <paramref name="source"/> names it in error messages.</summary>
    public static ElectraConfig Parse(string json, string source = "config.json")
    {
        try
        {
            return ParseChecked(json, source);
        }
        catch (InvalidOperationException ex)
        {
            // System.Text.Json throws this when a string holds an escaped lone surrogate ("\ud800").
            throw new ConfigException($"{source}: a string is not valid Unicode: {ex.Message}", ex);
        }
    }

    private static ElectraConfig ParseChecked(string json, string source)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException ex)
        {
            throw new ConfigException($"{source}: invalid JSON: {ex.Message}", ex);
        }
        using var _ = document;
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object) throw new ConfigException($"{source}: not a JSON object");
        // Duplicate keys are refused: which of the values would count is ambiguous. Checked here rather than with
        // AllowDuplicateProperties = false, which loads OpenSSL into the process (about 5 MB resident and a slower
        // first model load).
        if (FirstDuplicateKey(root) is { } duplicate)
            throw new ConfigException($"{source}: duplicate key '{duplicate}'");

        var r = new Reader(root, source);
        var d = new ElectraConfig();
        var modelType = r.String("model_type", d.ModelType)!;
        if (modelType != "electra")
            throw new ConfigException($"{source}: model_type is '{modelType}', expected 'electra'");

        var id2label = r.Id2Label();
        var numLabels = r.Int("num_labels", -1);
        // The label maps are built eagerly, so an absurd count would exhaust memory before any weight is read.
        if (numLabels > MaxLabels)
            throw new ConfigException($"{source}: num_labels {numLabels} is more than {MaxLabels}; no classification head is that large");
        if (id2label is null)
        {
            // Without id2label the names are made here from one number: the file does not back their memory (a
            // million default labels took 8 s and 300 MB). save_pretrained always writes id2label beside num_labels.
            if (numLabels > MaxDefaultLabels)
                throw new ConfigException($"{source}: num_labels {numLabels} without id2label; more than {MaxDefaultLabels:N0} labels must be named in id2label");
            id2label = ElectraConfig.DefaultLabels(numLabels > 0 ? numLabels : 2);
        }
        var label2id = r.Label2Id() ?? r.InvertId2Label(id2label);

        var extras = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var property in root.EnumerateObject())
            if (!Known.Contains(property.Name)) extras[property.Name] = Compact(property.Value);

        var config = new ElectraConfig
        {
            VocabSize = r.Int("vocab_size", d.VocabSize),
            EmbeddingSize = r.Int("embedding_size", d.EmbeddingSize),
            HiddenSize = r.Int("hidden_size", d.HiddenSize),
            NumHiddenLayers = r.Int("num_hidden_layers", d.NumHiddenLayers),
            NumAttentionHeads = r.Int("num_attention_heads", d.NumAttentionHeads),
            IntermediateSize = r.Int("intermediate_size", d.IntermediateSize),
            HiddenAct = r.String("hidden_act", d.HiddenAct)!,
            HiddenDropoutProb = r.Double("hidden_dropout_prob", d.HiddenDropoutProb),
            AttentionProbsDropoutProb = r.Double("attention_probs_dropout_prob", d.AttentionProbsDropoutProb),
            MaxPositionEmbeddings = r.Int("max_position_embeddings", d.MaxPositionEmbeddings),
            TypeVocabSize = r.Int("type_vocab_size", d.TypeVocabSize),
            InitializerRange = r.Double("initializer_range", d.InitializerRange),
            LayerNormEps = r.Double("layer_norm_eps", d.LayerNormEps),
            SummaryType = r.String("summary_type", d.SummaryType)!,
            SummaryUseProj = r.Bool("summary_use_proj", d.SummaryUseProj),
            SummaryActivation = r.String("summary_activation", d.SummaryActivation),
            SummaryLastDropout = r.Double("summary_last_dropout", d.SummaryLastDropout),
            PadTokenId = r.Int("pad_token_id", d.PadTokenId),
            PositionEmbeddingType = r.String("position_embedding_type", d.PositionEmbeddingType)!,
            UseCache = r.Bool("use_cache", d.UseCache),
            ClassifierDropout = r.NullableDouble("classifier_dropout"),
            Architectures = r.StringArray("architectures"),
            ModelType = modelType,
            Id2Label = id2label,
            Label2Id = label2id,
            ProblemType = r.String("problem_type", null),
            IsDecoder = r.Bool("is_decoder", false),
            TieWordEmbeddings = r.Bool("tie_word_embeddings", true),
            BosTokenId = r.NullableInt("bos_token_id"),
            EosTokenId = r.NullableInt("eos_token_id"),
            TorchDtype = r.String("torch_dtype", null),
            TransformersVersion = r.String("transformers_version", null),
            ExtraFields = extras.ToImmutable(),
        };
        return config.Validate(source);
    }

    /// <summary>The first key that occurs twice in one object anywhere inside <paramref name="element"/>, or null.</summary>
    private static string? FirstDuplicateKey(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var property in element.EnumerateObject())
                {
                    if (!seen.Add(property.Name)) return property.Name;
                    if (FirstDuplicateKey(property.Value) is { } inner) return inner;
                }
                return null;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                    if (FirstDuplicateKey(item) is { } inner) return inner;
                return null;
            default:
                return null;
        }
    }

    /// <summary>Writes the config as config.json text (HF key names; the default two-label map is omitted as save_pretrained does).</summary>
    public static string ToJson(ElectraConfig c)
    {
        var o = new JsonObject();
        if (!c.Architectures.IsDefaultOrEmpty) o["architectures"] = new JsonArray(c.Architectures.Select(a => (JsonNode?)a).ToArray());
        o["attention_probs_dropout_prob"] = c.AttentionProbsDropoutProb;
        if (c.BosTokenId is { } bos) o["bos_token_id"] = bos;
        o["classifier_dropout"] = c.ClassifierDropout;
        o["embedding_size"] = c.EmbeddingSize;
        if (c.EosTokenId is { } eos) o["eos_token_id"] = eos;
        o["hidden_act"] = c.HiddenAct;
        o["hidden_dropout_prob"] = c.HiddenDropoutProb;
        o["hidden_size"] = c.HiddenSize;
        if (!c.Id2Label.SequenceEqual(ElectraConfig.DefaultLabels(2)))
        {
            var id2 = new JsonObject();
            foreach (var (k, v) in c.Id2Label) id2[k.ToString(CultureInfo.InvariantCulture)] = v;
            o["id2label"] = id2;
            var l2 = new JsonObject();
            foreach (var (k, v) in c.Label2Id) l2[k] = v;
            o["label2id"] = l2;
        }
        o["initializer_range"] = c.InitializerRange;
        o["intermediate_size"] = c.IntermediateSize;
        if (c.IsDecoder) o["is_decoder"] = true;
        o["layer_norm_eps"] = c.LayerNormEps;
        o["max_position_embeddings"] = c.MaxPositionEmbeddings;
        o["model_type"] = c.ModelType;
        o["num_attention_heads"] = c.NumAttentionHeads;
        o["num_hidden_layers"] = c.NumHiddenLayers;
        o["pad_token_id"] = c.PadTokenId;
        o["position_embedding_type"] = c.PositionEmbeddingType;
        if (c.ProblemType is not null) o["problem_type"] = c.ProblemType;
        o["summary_activation"] = c.SummaryActivation;
        o["summary_last_dropout"] = c.SummaryLastDropout;
        o["summary_type"] = c.SummaryType;
        o["summary_use_proj"] = c.SummaryUseProj;
        if (!c.TieWordEmbeddings) o["tie_word_embeddings"] = false;
        if (c.TorchDtype is not null) o["torch_dtype"] = c.TorchDtype;
        if (c.TransformersVersion is not null) o["transformers_version"] = c.TransformersVersion;
        o["type_vocab_size"] = c.TypeVocabSize;
        o["use_cache"] = c.UseCache;
        o["vocab_size"] = c.VocabSize;
        foreach (var (k, raw) in c.ExtraFields) o[k] = JsonNode.Parse(raw);
        var sorted = new JsonObject();
        foreach (var kv in o.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList())
        {
            o.Remove(kv.Key);
            sorted[kv.Key] = kv.Value;
        }
        return sorted.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>A JSON value as compact text (no insignificant whitespace), as extra fields are kept.</summary>
    private static string Compact(JsonElement value)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer)) value.WriteTo(writer);
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Typed access to config.json fields with errors that name the field and the found value.</summary>
    private sealed class Reader(JsonElement root, string source)
    {
        private JsonElement? Get(string key) =>
            root.TryGetProperty(key, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

        private ConfigException Wrong(string key, string expected, JsonElement value) =>
            new($"{source}: field '{key}' must be {expected}, found {Compact(value)}");

        public int Int(string key, int fallback) => NullableInt(key) ?? fallback;

        public int? NullableInt(string key)
        {
            if (Get(key) is not { } e) return null;
            if (e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out var i)) return i;
            throw Wrong(key, "an integer", e);
        }

        public double Double(string key, double fallback) => NullableDouble(key) ?? fallback;

        public double? NullableDouble(string key)
        {
            if (Get(key) is not { } e) return null;
            if (e.ValueKind == JsonValueKind.Number && double.IsFinite(e.GetDouble())) return e.GetDouble();
            throw Wrong(key, "a finite number", e);
        }

        public bool Bool(string key, bool fallback)
        {
            if (Get(key) is not { } e) return fallback;
            if (e.ValueKind is JsonValueKind.True or JsonValueKind.False) return e.GetBoolean();
            throw Wrong(key, "true or false", e);
        }

        public string? String(string key, string? fallback)
        {
            if (Get(key) is not { } e) return fallback;
            if (e.ValueKind == JsonValueKind.String) return e.GetString();
            throw Wrong(key, "a string", e);
        }

        public ImmutableArray<string> StringArray(string key)
        {
            if (Get(key) is not { } e) return ImmutableArray<string>.Empty;
            if (e.ValueKind != JsonValueKind.Array) throw Wrong(key, "a list of strings", e);
            var b = ImmutableArray.CreateBuilder<string>();
            foreach (var item in e.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.String) throw Wrong(key, "a list of strings", e);
                b.Add(item.GetString()!);
            }
            return b.ToImmutable();
        }

        public ImmutableSortedDictionary<int, string>? Id2Label()
        {
            if (Get("id2label") is not { } e) return null;
            if (e.ValueKind != JsonValueKind.Object) throw Wrong("id2label", "an object of index → label", e);
            var b = ImmutableSortedDictionary.CreateBuilder<int, string>();
            foreach (var property in e.EnumerateObject())
            {
                var k = property.Name;
                if (!int.TryParse(k, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
                    throw new ConfigException($"{source}: id2label key '{k}' is not a non-negative integer");
                if (property.Value.ValueKind != JsonValueKind.String)
                    throw Wrong($"id2label.{k}", "a string", property.Value);
                b[id] = property.Value.GetString()!;
            }
            for (int i = 0; i < b.Count; i++)
                if (!b.ContainsKey(i)) throw new ConfigException($"{source}: id2label has no entry for class {i} (keys must be 0..{b.Count - 1})");
            return b.ToImmutable();
        }

        /// <summary>
        /// label2id made from id2label as transformers makes it (<c>dict(zip(id2label.values(), id2label.keys()))</c>):
        /// in the file's order of the ids, so when two ids share a name the later one in the file wins (a name given
        /// twice made the inversion throw).
        /// </summary>
        public ImmutableSortedDictionary<string, int> InvertId2Label(ImmutableSortedDictionary<int, string> id2label)
        {
            var b = ImmutableSortedDictionary.CreateBuilder<string, int>(StringComparer.Ordinal);
            var order = new List<int>();
            var seen = new HashSet<int>();
            if (Get("id2label") is { ValueKind: JsonValueKind.Object } e)
                foreach (var property in e.EnumerateObject())
                    if (int.TryParse(property.Name, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && seen.Add(id)) order.Add(id);
            foreach (var id in id2label.Keys) if (seen.Add(id)) order.Add(id);   // default labels: no id2label in the file
            foreach (var id in order) b[id2label[id]] = id;
            return b.ToImmutable();
        }

        public ImmutableSortedDictionary<string, int>? Label2Id()
        {
            if (Get("label2id") is not { } e) return null;
            if (e.ValueKind != JsonValueKind.Object) throw Wrong("label2id", "an object of label → index", e);
            var b = ImmutableSortedDictionary.CreateBuilder<string, int>(StringComparer.Ordinal);
            foreach (var property in e.EnumerateObject())
            {
                if (property.Value.ValueKind != JsonValueKind.Number || !property.Value.TryGetInt32(out var id))
                    throw Wrong($"label2id.{property.Name}", "an integer", property.Value);
                b[property.Name] = id;
            }
            return b.ToImmutable();
        }
    }
}
