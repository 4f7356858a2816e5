using System.Collections.Immutable;
using System.Text.Json;
using Electra.Core.Errors;

namespace Electra.Models.Pipelines;

/// <summary>Reads a <see cref="SentenceTransformerConfig"/> from a model folder the way sentence-transformers does.</summary>
public static class SentenceTransformerConfigJson
{
    /// <summary>
    /// Reads the sentence-transformers files of <paramref name="modelDirectory"/>; a folder without <c>modules.json</c>
    /// gets <see cref="SentenceTransformerConfig.Default"/> (sentence-transformers' defaults, stated in its Source).
    /// </summary>
    /// <exception cref="ConfigException">a file is malformed, a key has the wrong type, or a module is not supported
    /// (the message names the file and key).</exception>
    public static SentenceTransformerConfig Load(string modelDirectory)
    {
        var modulesPath = Path.Combine(modelDirectory, "modules.json");
        if (!File.Exists(modulesPath)) return SentenceTransformerConfig.Default;

        string transformerPath = "";
        PoolingConfig? pooling = null;
        bool normalize = false, seenTransformer = false;
        using (var modules = Parse(modulesPath))
        {
            if (modules.RootElement.ValueKind != JsonValueKind.Array)
                throw new ConfigException($"{modulesPath}: expected a JSON array of modules");
            int index = 0;
            foreach (var module in modules.RootElement.EnumerateArray())
            {
                string type = RequiredString(module, "type", modulesPath, index);
                string path = module.TryGetProperty("path", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString()! : "";
                string kind = type[(type.LastIndexOf('.') + 1)..];
                switch (kind)
                {
                    case "Transformer" when !seenTransformer && pooling is null:
                        seenTransformer = true;
                        transformerPath = path;
                        break;
                    case "Pooling" when seenTransformer && pooling is null:
                        pooling = LoadPooling(Path.Combine(modelDirectory, path, "config.json"));
                        break;
                    case "Normalize" when pooling is not null && !normalize:
                        normalize = true;
                        break;
                    default:
                        throw new ConfigException(
                            $"{modulesPath}: module {index} ('{type}') is not supported here; supported: one Transformer, then one Pooling, then optionally Normalize");
                }
                index++;
            }
        }
        if (!seenTransformer) throw new ConfigException($"{modulesPath}: no Transformer module");
        if (pooling is null) throw new ConfigException($"{modulesPath}: no Pooling module after the Transformer");

        int? maxSeqLength = null;
        bool doLowerCase = false;
        var bertConfigPath = Path.Combine(modelDirectory, transformerPath, "sentence_bert_config.json");
        if (File.Exists(bertConfigPath))
        {
            using var bert = Parse(bertConfigPath);
            var root = Object(bert, bertConfigPath);
            if (root.TryGetProperty("max_seq_length", out var m) && m.ValueKind != JsonValueKind.Null)
                maxSeqLength = m.TryGetInt32(out int v) && v > 0
                    ? v
                    : throw new ConfigException($"{bertConfigPath}: max_seq_length must be a positive integer, got {m.GetRawText()}");
            doLowerCase = OptionalBool(root, "do_lower_case", false, bertConfigPath);
        }

        var prompts = ImmutableSortedDictionary.Create<string, string>(StringComparer.Ordinal);
        string? defaultPrompt = null;
        var similarity = SimilarityFunction.Cosine;
        var stConfigPath = Path.Combine(modelDirectory, "config_sentence_transformers.json");
        if (File.Exists(stConfigPath))
        {
            using var st = Parse(stConfigPath);
            var root = Object(st, stConfigPath);
            if (root.TryGetProperty("prompts", out var ps) && ps.ValueKind != JsonValueKind.Null)
            {
                if (ps.ValueKind != JsonValueKind.Object) throw new ConfigException($"{stConfigPath}: prompts must be an object of strings");
                var builder = prompts.ToBuilder();
                foreach (var prop in ps.EnumerateObject())
                    builder[prop.Name] = prop.Value.ValueKind == JsonValueKind.String
                        ? prop.Value.GetString()!
                        : throw new ConfigException($"{stConfigPath}: prompts.{prop.Name} must be a string, got {prop.Value.GetRawText()}");
                prompts = builder.ToImmutable();
            }
            defaultPrompt = OptionalString(root, "default_prompt_name", stConfigPath);
            if (defaultPrompt is not null && !prompts.ContainsKey(defaultPrompt))
                throw new ConfigException(
                    $"{stConfigPath}: default_prompt_name '{defaultPrompt}' is not among the prompts ({string.Join(", ", prompts.Keys)})");
            if (OptionalString(root, "similarity_fn_name", stConfigPath) is { } name)
            {
                try { similarity = Similarity.Parse(name); }
                catch (ConfigException e) { throw new ConfigException($"{stConfigPath}: similarity_fn_name: {e.Message}"); }
            }
        }
        return new SentenceTransformerConfig(pooling, normalize, maxSeqLength, doLowerCase, prompts, defaultPrompt, similarity,
            transformerPath, "sentence-transformers");
    }

    /// <summary>
    /// Reads a Pooling module's config.json. Missing keys take the Pooling constructor's defaults (mean on, the others
    /// off, prompt included); a <c>pooling_mode</c> string, when present, overrides the flags as the constructor does.
    /// </summary>
    /// <exception cref="ConfigException">the file is missing or malformed, or no mode is on.</exception>
    public static PoolingConfig LoadPooling(string configPath)
    {
        if (!File.Exists(configPath)) throw new ConfigException($"{configPath}: the Pooling module's config.json is missing");
        using var doc = Parse(configPath);
        var root = Object(doc, configPath);
        var modes = ImmutableArray.CreateBuilder<PoolingMode>();
        if (OptionalString(root, "pooling_mode", configPath) is { } single)
        {
            try { modes.Add(PoolingConfig.ParseMode(single)); }
            catch (ConfigException e) { throw new ConfigException($"{configPath}: pooling_mode: {e.Message}"); }
        }
        else
        {
            (string Key, PoolingMode Mode, bool Default)[] flags =
            [
                ("pooling_mode_cls_token", PoolingMode.Cls, false),
                ("pooling_mode_max_tokens", PoolingMode.Max, false),
                ("pooling_mode_mean_tokens", PoolingMode.Mean, true),
                ("pooling_mode_mean_sqrt_len_tokens", PoolingMode.MeanSqrtLenTokens, false),
                ("pooling_mode_weightedmean_tokens", PoolingMode.WeightedMean, false),
                ("pooling_mode_lasttoken", PoolingMode.LastToken, false),
            ];
            foreach (var (key, mode, fallback) in flags)
                if (OptionalBool(root, key, fallback, configPath)) modes.Add(mode);
        }
        if (modes.Count == 0) throw new ConfigException($"{configPath}: no pooling mode is on");
        return new PoolingConfig(modes.ToImmutable(), OptionalBool(root, "include_prompt", true, configPath));
    }

    private static JsonDocument Parse(string path)
    {
        try
        {
            return JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw new ConfigException($"{path}: not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}): {e.Message}");
        }
    }

    private static JsonElement Object(JsonDocument doc, string path) =>
        doc.RootElement.ValueKind == JsonValueKind.Object ? doc.RootElement : throw new ConfigException($"{path}: expected a JSON object");

    private static string RequiredString(JsonElement e, string key, string path, int index) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String
            ? v.GetString()!
            : throw new ConfigException($"{path}: module {index} has no string '{key}'");

    private static bool OptionalBool(JsonElement root, string key, bool fallback, string path)
    {
        if (!root.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null) return fallback;
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new ConfigException($"{path}: {key} must be true or false, got {v.GetRawText()}"),
        };
    }

    private static string? OptionalString(JsonElement root, string key, string path)
    {
        if (!root.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind == JsonValueKind.String ? v.GetString() : throw new ConfigException($"{path}: {key} must be a string, got {v.GetRawText()}");
    }
}
