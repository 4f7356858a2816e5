using System.Text.Json;

namespace Electra.Server.Http;

/// <summary>
/// Reads TEI's many-shaped input fields: <c>Input</c> (a text, token ids, or a list of either), <c>PredictInput</c> (a
/// text, a pair [a, b], or a batch of [text] and [a, b]) and <c>InputIds</c> (ids or a list of id lists). Anything
/// else is the 422 serde gives for a body that does not fit.
/// </summary>
internal static class RequestInputs
{
    /// <summary>One input of /embed-like routes: a text, or ids that are decoded to text first (TEI does the same).</summary>
    internal readonly record struct TextOrIds(string? Text, int[]? Ids);

    /// <returns>The inputs and whether the request sent a batch (a list) rather than one input.</returns>
    public static (List<TextOrIds> Inputs, bool IsBatch) Input(JsonElement e, string field = "inputs")
    {
        Require(e, field);
        if (e.ValueKind == JsonValueKind.String) return ([new TextOrIds(Str(e, field), null)], false);
        if (e.ValueKind != JsonValueKind.Array) throw Invalid(field, "a string, a list of token ids, or a list of either");
        if (e.GetArrayLength() > 0 && e.EnumerateArray().All(x => x.ValueKind == JsonValueKind.Number))
            return ([new TextOrIds(null, Ids(e, field))], false);
        var list = new List<TextOrIds>();
        foreach (var item in e.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.String) list.Add(new TextOrIds(Str(item, field), null));
            else if (item.ValueKind == JsonValueKind.Array) list.Add(new TextOrIds(null, Ids(item, field)));
            else throw Invalid(field, "a string, a list of token ids, or a list of either");
        }
        return (list, true);
    }

    /// <summary>TEI's PredictInput.</summary>
    public static (List<(string Text, string? Pair)> Inputs, bool IsBatch) Predict(JsonElement e)
    {
        Require(e, "inputs");
        const string expected = "a string, a pair of strings [string, string] or a batch of mixed strings and pairs [[string], [string, string], ...]";
        if (e.ValueKind == JsonValueKind.String) return ([(Str(e, "inputs"), null)], false);
        if (e.ValueKind != JsonValueKind.Array || e.GetArrayLength() == 0) throw Invalid("inputs", expected);
        var first = e[0];
        if (first.ValueKind == JsonValueKind.String)
        {
            var items = Strings(e, "inputs", expected);
            return items.Count switch
            {
                1 => ([(items[0], null)], false),
                2 => ([(items[0], items[1])], false),
                _ => throw Invalid("inputs", expected),
            };
        }
        var batch = new List<(string, string?)>();
        foreach (var item in e.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Array) throw Invalid("inputs", expected);
            var s = Strings(item, "inputs", expected);
            batch.Add(s.Count switch
            {
                1 => (s[0], null),
                2 => (s[0], s[1]),
                _ => throw Invalid("inputs", expected),
            });
        }
        return (batch, true);
    }

    /// <summary>A text or a list of texts (TEI's TokenizeInput; also /detect and /fill-mask).</summary>
    public static (List<string> Inputs, bool IsBatch) Texts(JsonElement e, string field = "inputs")
    {
        Require(e, field);
        if (e.ValueKind == JsonValueKind.String) return ([Str(e, field)], false);
        if (e.ValueKind != JsonValueKind.Array) throw Invalid(field, "a string or a list of strings");
        return (Strings(e, field, "a string or a list of strings"), true);
    }

    /// <summary>TEI's InputIds: ids, or a list of id lists.</summary>
    public static (List<int[]> Ids, bool IsBatch) IdLists(JsonElement e)
    {
        Require(e, "ids");
        if (e.ValueKind != JsonValueKind.Array) throw Invalid("ids", "a list of token ids or a list of lists");
        if (e.GetArrayLength() == 0 || e[0].ValueKind == JsonValueKind.Number) return ([Ids(e, "ids")], false);
        var list = new List<int[]>();
        foreach (var item in e.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Array) throw Invalid("ids", "a list of token ids or a list of lists");
            list.Add(Ids(item, "ids"));
        }
        return (list, true);
    }

    private static List<string> Strings(JsonElement array, string field, string expected)
    {
        var list = new List<string>(array.GetArrayLength());
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String) throw Invalid(field, expected);
            list.Add(Str(item, field));
        }
        return list;
    }

    private static int[] Ids(JsonElement array, string field)
    {
        var ids = new int[array.GetArrayLength()];
        int i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt32(out var id) || id < 0)
                throw Invalid(field, "token ids: integers from 0");
            ids[i++] = id;
        }
        return ids;
    }

    /// <summary>A JSON string as .NET text; one with a lone surrogate escape is not text (422, not a crash).</summary>
    private static string Str(JsonElement e, string field)
    {
        try { return e.GetString()!; }
        catch (InvalidOperationException) { throw ApiError.BadBody($"{field}: a string that is not valid Unicode (lone surrogate)"); }
    }

    private static void Require(JsonElement e, string field)
    {
        if (e.ValueKind == JsonValueKind.Undefined) throw ApiError.BadBody($"missing field `{field}`");
    }

    private static ApiError Invalid(string field, string expected) => ApiError.BadBody($"{field}: expected {expected}");
}
