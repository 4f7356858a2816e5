namespace Electra.Cli.Commands;

/// <summary>The texts a command works on: positional arguments, or JSON lines <c>{"text": ...}</c> from --input.</summary>
internal static class TextInputs
{
    public static IEnumerable<Numbered<string>> From(IReadOnlyList<string> positional, string? input, string command)
    {
        if (input is not null && positional.Count > 0)
            throw new UsageException("give texts as arguments or --input FILE, not both");
        if (input is not null)
        {
            JsonLinesInput.RequireFile(input);
            return JsonLinesInput.Read(input, e => JsonLinesInput.String(e, "text"));
        }
        if (positional.Count == 0) throw new UsageException($"{command} needs at least one TEXT or --input FILE.jsonl");
        return PipelineStream.FromArguments(positional, t => t);
    }
}
