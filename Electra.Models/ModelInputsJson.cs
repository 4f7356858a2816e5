using System.Collections.Immutable;
using System.Text.Json;
using Electra.Core.Errors;
using Electra.Core.Tensors;
using Electra.Core.Files;

namespace Electra.Models;

/// <summary>
/// Reads model inputs from JSON in the fixture format: an object of nested row-major lists, keys input_ids,
/// attention_mask, token_type_ids, position_ids, inputs_embeds, labels, start_positions, end_positions.
/// Labels written with a fraction (1.0) are float labels; integers are integer labels.
/// </summary>
public static class ModelInputsJson
{
    /// <exception cref="InputException">the file is missing, not JSON, ragged, or holds non-numbers (the message names the key).</exception>
    public static ModelInputs Load(string path)
    {
        if (!File.Exists(path)) throw new InputException($"{path}: file not found");
        string text;
        try { text = SafeFile.ReadAllText(path, SafeFile.MaxInputsJsonBytes, "the inputs file"); }
        catch (InputFileException ex) { throw new InputException(ex.Message); }
        return Parse(text, path);
    }

    public static ModelInputs Parse(string json, string source = "inputs.json")
    {
        try
        {
            return ParseChecked(json, source);
        }
        catch (InvalidOperationException ex)
        {
            // System.Text.Json throws this when a key or string holds an escaped lone surrogate ("\ud800").
            throw new InputException($"{source}: a key is not valid Unicode: {ex.Message}");
        }
    }

    private static ModelInputs ParseChecked(string json, string source)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json); }
        catch (JsonException ex) { throw new InputException($"{source}: invalid JSON: {ex.Message}"); }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new InputException($"{source}: expected a JSON object of input tensors");
            var known = new HashSet<string> { "input_ids", "attention_mask", "token_type_ids", "position_ids", "inputs_embeds", "labels", "start_positions", "end_positions" };
            var seen = new HashSet<string>();
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (!known.Contains(p.Name)) throw new InputException($"{source}: unknown input '{p.Name}' (expected {string.Join(", ", known)})");
                // Which of two values for one key would count is ambiguous: refuse rather than pick one.
                if (!seen.Add(p.Name)) throw new InputException($"{source}: duplicate key '{p.Name}'");
            }

            HostIntTensor? Ints(string key) => doc.RootElement.TryGetProperty(key, out var e) ? IntTensor(e, $"{source}: {key}") : null;
            var inputs = new ModelInputs
            {
                InputIds = Ints("input_ids"),
                AttentionMask = Ints("attention_mask"),
                TokenTypeIds = Ints("token_type_ids"),
                PositionIds = Ints("position_ids"),
                StartPositions = Ints("start_positions"),
                EndPositions = Ints("end_positions"),
                InputsEmbeds = doc.RootElement.TryGetProperty("inputs_embeds", out var emb) ? FloatTensor(emb, $"{source}: inputs_embeds") : null,
            };
            if (doc.RootElement.TryGetProperty("labels", out var labels))
            {
                inputs = HasFraction(labels)
                    ? inputs with { FloatLabels = FloatTensor(labels, $"{source}: labels") }
                    : inputs with { Labels = IntTensor(labels, $"{source}: labels") };
            }
            return inputs;
        }
    }

    private static bool HasFraction(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Array => e.EnumerateArray().Any(HasFraction),
        JsonValueKind.Number => e.GetRawText().IndexOfAny(['.', 'e', 'E']) >= 0,
        _ => false,
    };

    private static HostIntTensor IntTensor(JsonElement e, string what)
    {
        var (shape, values) = Flatten(e, what);
        var data = new int[values.Count];
        for (int i = 0; i < data.Length; i++)
        {
            if (!values[i].TryGetInt64(out var v) || v is < int.MinValue or > int.MaxValue)
                throw new InputException($"{what}: value {values[i].GetRawText()} at flat index {i} is not a 32-bit integer");
            data[i] = (int)v;
        }
        return new HostIntTensor(shape, data);
    }

    private static HostTensor FloatTensor(JsonElement e, string what)
    {
        var (shape, values) = Flatten(e, what);
        return new HostTensor(shape, values.Select(v => v.GetSingle()).ToArray());
    }

    private static (ImmutableArray<int> Shape, List<JsonElement> Values) Flatten(JsonElement e, string what)
    {
        var shape = new List<int>();
        var probe = e;
        while (probe.ValueKind == JsonValueKind.Array)
        {
            shape.Add(probe.GetArrayLength());
            if (probe.GetArrayLength() == 0) break;
            probe = probe[0];
        }
        var values = new List<JsonElement>();
        Walk(e, 0, shape, values, what, []);
        return (shape.ToImmutableArray(), values);
    }

    private static void Walk(JsonElement e, int depth, List<int> shape, List<JsonElement> values, string what, List<int> path)
    {
        if (depth == shape.Count)
        {
            if (e.ValueKind != JsonValueKind.Number)
                throw new InputException($"{what}: expected a number at [{string.Join(", ", path)}], found {e.ValueKind}");
            values.Add(e);
            return;
        }
        if (e.ValueKind != JsonValueKind.Array || e.GetArrayLength() != shape[depth])
            throw new InputException($"{what}: ragged nesting at [{string.Join(", ", path)}]: expected a list of {shape[depth]}, found {(e.ValueKind == JsonValueKind.Array ? $"a list of {e.GetArrayLength()}" : e.ValueKind.ToString())}");
        int i = 0;
        foreach (var item in e.EnumerateArray())
        {
            path.Add(i++);
            Walk(item, depth + 1, shape, values, what, path);
            path.RemoveAt(path.Count - 1);
        }
    }
}
