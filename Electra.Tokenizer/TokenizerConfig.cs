using System.Collections.Immutable;
using System.Text.Json;

namespace Electra.Tokenizer;

/// <summary>
/// Applies tokenizer_config.json and special_tokens_map.json of a model directory (transformers' init kwargs:
/// do_lower_case, strip_accents, tokenize_chinese_chars, model_max_length, special tokens, sides).
/// </summary>
internal static class TokenizerConfig
{
    /// <summary>transformers writes 1e30 (VERY_LARGE_INTEGER) for "no limit".</summary>
    private const double NoLimit = 1e15;

    internal static BertTokenizerOptions Apply(string directory, BertTokenizerOptions options)
    {
        var map = Path.Combine(directory, "special_tokens_map.json");
        if (File.Exists(map)) options = WithJson(map, options, ApplySpecialTokens);
        var config = Path.Combine(directory, "tokenizer_config.json");
        if (File.Exists(config)) options = WithJson(config, options, ApplyConfig);
        return options;
    }

    private static BertTokenizerOptions WithJson(string path, BertTokenizerOptions options,
        Func<string, JsonElement, BertTokenizerOptions, BertTokenizerOptions> apply)
    {
        try
        {
            using var doc = JsonDocument.Parse(TokenizerFiles.ReadAllBytes(path, TokenizerFiles.MaxConfigBytes, Path.GetFileName(path)),
                new JsonDocumentOptions { AllowTrailingCommas = true });
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new TokenizerFormatException(path, "(root)", "expected a JSON object");
            return apply(path, doc.RootElement, options);
        }
        catch (JsonException e)
        {
            throw new TokenizerFormatException(path, $"line {e.LineNumber + 1}", $"invalid JSON: {e.Message}", e);
        }
        catch (InvalidOperationException e)
        {
            // JsonElement.GetString throws this for invalid UTF-8 or an escaped lone surrogate inside a string.
            throw new TokenizerFormatException(path, null, $"a string is not valid Unicode: {e.Message}", e);
        }
    }

    private static BertTokenizerOptions ApplyConfig(string path, JsonElement root, BertTokenizerOptions o)
    {
        o = ApplySpecialTokens(path, root, o);
        if (Bool(path, root, "do_basic_tokenize") == false)
            throw new TokenizerFormatException(path, "do_basic_tokenize", "false is not supported (WordPiece without the basic tokenizer)");
        if (root.TryGetProperty("never_split", out var neverSplit) && neverSplit.ValueKind == JsonValueKind.Array && neverSplit.GetArrayLength() > 0)
            throw new TokenizerFormatException(path, "never_split", "a never_split list is not supported; add the tokens as special tokens instead");
        if (Bool(path, root, "do_lower_case") is bool lower) o = o with { DoLowerCase = lower };
        if (root.TryGetProperty("strip_accents", out _)) o = o with { StripAccents = Bool(path, root, "strip_accents") };
        if (Bool(path, root, "tokenize_chinese_chars") is bool cjk) o = o with { TokenizeChineseChars = cjk };
        if (Bool(path, root, "clean_up_tokenization_spaces") is bool clean) o = o with { CleanUpTokenizationSpaces = clean };
        if (root.TryGetProperty("model_max_length", out var mml) && mml.ValueKind != JsonValueKind.Null)
        {
            if (mml.ValueKind != JsonValueKind.Number || !mml.TryGetDouble(out double value) || value < 0)
                throw new TokenizerFormatException(path, "model_max_length", $"expected a non-negative number, got {mml}");
            o = o with { ModelMaxLength = value >= NoLimit || value > int.MaxValue ? null : (int)value };
        }
        if (SideOf(path, root, "padding_side") is Side ps) o = o with { PaddingSide = ps };
        if (SideOf(path, root, "truncation_side") is Side ts) o = o with { TruncationSide = ts };
        return o;
    }

    private static BertTokenizerOptions ApplySpecialTokens(string path, JsonElement root, BertTokenizerOptions o)
    {
        o = o with
        {
            UnkToken = Token(path, root, "unk_token") ?? o.UnkToken,
            SepToken = Token(path, root, "sep_token") ?? o.SepToken,
            PadToken = Token(path, root, "pad_token") ?? o.PadToken,
            ClsToken = Token(path, root, "cls_token") ?? o.ClsToken,
            MaskToken = Token(path, root, "mask_token") ?? o.MaskToken,
        };
        if (root.TryGetProperty("additional_special_tokens", out var extra) && extra.ValueKind == JsonValueKind.Array)
        {
            var tokens = extra.EnumerateArray().Select((t, i) => TokenValue(path, t, $"additional_special_tokens[{i}]")).ToList();
            // A set, not Contains on the list: a file listing many tokens must not cost quadratic time.
            var known = new HashSet<string>(o.AdditionalSpecialTokens, StringComparer.Ordinal);
            o = o with { AdditionalSpecialTokens = o.AdditionalSpecialTokens.AddRange(tokens.Where(known.Add)) };
        }
        return o;
    }

    private static string? Token(string path, JsonElement root, string name) =>
        root.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? TokenValue(path, v, name) : null;

    /// <summary>A special token is a string or an AddedToken object {"content": ...}.</summary>
    private static string TokenValue(string path, JsonElement v, string field)
    {
        if (v.ValueKind == JsonValueKind.String) return v.GetString()!;
        if (v.ValueKind == JsonValueKind.Object && v.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String)
            return c.GetString()!;
        throw new TokenizerFormatException(path, field, $"expected a string or {{\"content\": ...}}, got {v}");
    }

    private static bool? Bool(string path, JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            throw new TokenizerFormatException(path, name, $"expected true, false or null, got {v}");
        return v.GetBoolean();
    }

    private static Side? SideOf(string path, JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind == JsonValueKind.String ? v.GetString() switch
        {
            "right" => Side.Right,
            "left" => Side.Left,
            var s => throw new TokenizerFormatException(path, name, $"expected \"left\" or \"right\", got \"{s}\""),
        } : throw new TokenizerFormatException(path, name, $"expected \"left\" or \"right\", got {v}");
    }
}
