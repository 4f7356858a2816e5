using System.Text.Json;
using Electra.Core.Errors;

namespace Electra.Cli.Commands;

/// <summary>
/// Reads a JSON-lines file lazily: each non-blank line must be a JSON object, turned into an input by the command's
/// parser. A malformed line raises an <see cref="InputException"/> naming the file and line, when it is reached, so
/// everything before it has already been processed.
/// </summary>
/// <summary>An input with where it came from ("FILE line 3", "argument 2"), for error messages.</summary>
internal readonly record struct Numbered<T>(string Where, T Item);

internal static class JsonLinesInput
{
    public static IEnumerable<Numbered<T>> Read<T>(string path, Func<JsonElement, T> parse)
    {
        using var reader = path == "-"
            ? new StreamReader(Console.OpenStandardInput())
            : File.Exists(path) ? new StreamReader(path, new System.Text.UTF8Encoding(false))
            : throw new InputException($"{path}: input file not found");
        string source = path == "-" ? "stdin" : path;
        int lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            T item;
            try
            {
                using var doc = JsonDocument.Parse(line);
                if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new InputException("expected a JSON object");
                item = parse(doc.RootElement);
            }
            catch (JsonException e)
            {
                throw new InputException($"{source} line {lineNumber}: invalid JSON: {e.Message}");
            }
            catch (InputException e)
            {
                throw new InputException($"{source} line {lineNumber}: {e.Message}");
            }
            yield return new Numbered<T>($"{source} line {lineNumber}", item);
        }
    }

    /// <summary>Fails early, before a model is loaded, when the input file is missing.</summary>
    public static void RequireFile(string path)
    {
        if (path != "-" && !File.Exists(path)) throw new InputException($"{path}: input file not found");
    }

    /// <summary>Counts the non-blank lines (for the progress bar's total).</summary>
    public static int CountLines(string path) => File.ReadLines(path).Count(l => !string.IsNullOrWhiteSpace(l));

    /// <summary>A required string field.</summary>
    public static string String(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String
            ? v.GetString()!
            : throw new InputException($"\"{name}\" must be a string");

    /// <summary>An optional string field (absent or null gives null).</summary>
    public static string? OptionalString(JsonElement e, string name) =>
        !e.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null ? null
        : v.ValueKind == JsonValueKind.String ? v.GetString()
        : throw new InputException($"\"{name}\" must be a string or null");
}
