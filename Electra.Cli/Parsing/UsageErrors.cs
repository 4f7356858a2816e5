using System.CommandLine;
using System.CommandLine.Parsing;

namespace Electra.Cli.Parsing;

/// <summary>
/// Every command-line mistake in a parse, worded for people: System.CommandLine's own errors (missing required option,
/// malformed value), plus what it lets through by design and we refuse — a word that is neither a command nor an
/// option, an option-looking word taken as a text (<c>detect --jsn</c>; texts that begin with '-' go after <c>--</c>),
/// and a value glued to a switch (<c>--json=yes</c>, which would otherwise leave "yes" to be scored as a text).
/// </summary>
internal static class UsageErrors
{
    public static IReadOnlyList<string> Find(ParseResult parse, IReadOnlyList<string> args)
    {
        var command = parse.CommandResult.Command;
        var errors = new List<string>();
        errors.AddRange(GluedSwitchValues(command, args));
        foreach (var token in parse.UnmatchedTokens) errors.Add(Unknown(command, token));
        foreach (var token in OptionLikeTexts(parse)) errors.Add(Unknown(command, token));
        // The parser's own "unrecognized" errors are replaced by the ones above, which say what the word looks like and suggest.
        errors.AddRange(parse.Errors.Where(e => !IsUnmatched(e, parse.UnmatchedTokens)).Select(e => e.Message));
        return errors.Distinct().ToList();
    }

    private static bool IsUnmatched(ParseError error, IReadOnlyList<string> unmatched) =>
        error.SymbolResult is null or CommandResult && unmatched.Any(t => error.Message.Contains($"'{t}'", StringComparison.Ordinal));

    private static string Unknown(Command command, string token)
    {
        bool optionLike = LooksLikeOption(token);
        var known = optionLike ? OptionNames(command) : command.Subcommands.Select(c => c.Name);
        var close = Suggestions.For(token, known);
        string what = optionLike ? "unknown option" : command.Subcommands.Count > 0 ? "unknown command" : "unexpected argument";
        return close.Count == 0 ? $"{what} '{token}'" : $"{what} '{token}'; did you mean {string.Join(" or ", close)}?";
    }

    /// <summary>Words the parser bound to the command's TEXT arguments although they look like options and come before any `--`.</summary>
    private static IEnumerable<string> OptionLikeTexts(ParseResult parse)
    {
        int doubleDash = parse.Tokens.Count;
        for (int i = 0; i < parse.Tokens.Count; i++)
            if (parse.Tokens[i].Type == TokenType.DoubleDash) { doubleDash = i; break; }
        var beforeDoubleDash = parse.Tokens.Take(doubleDash).ToList();
        foreach (var argument in parse.CommandResult.Children.OfType<ArgumentResult>())
        foreach (var token in argument.Tokens)
            if (LooksLikeOption(token.Value) && beforeDoubleDash.Any(t => ReferenceEquals(t, token)))
                yield return token.Value;
    }

    private static IEnumerable<string> GluedSwitchValues(Command command, IReadOnlyList<string> args)
    {
        var switches = AllOptions(command).Where(o => o.Arity.MaximumNumberOfValues == 0)
            .SelectMany(o => o.Aliases.Append(o.Name)).ToHashSet(StringComparer.Ordinal);
        foreach (var arg in args.TakeWhile(a => a != "--"))
        {
            int glue = arg.IndexOfAny(['=', ':']);
            if (arg.StartsWith('-') && glue > 0 && switches.Contains(arg[..glue]))
                yield return $"{arg[..glue]} is a switch and takes no value, got '{arg}'";
        }
    }

    private static IEnumerable<string> OptionNames(Command command) =>
        AllOptions(command).Where(o => !o.Hidden).SelectMany(o => o.Aliases.Append(o.Name)).Where(n => n.StartsWith("--", StringComparison.Ordinal));

    /// <summary>The command's options and the recursive ones of its parents (--help, --version).</summary>
    private static IEnumerable<Option> AllOptions(Command command) =>
        command.Options.Concat(command.Parents.OfType<Command>().SelectMany(p => p.Options.Where(o => o.Recursive)));

    private static bool LooksLikeOption(string word) =>
        (word.Length > 2 && word.StartsWith("--", StringComparison.Ordinal) && !word.Contains(' ')) ||
        (word.Length == 2 && word[0] == '-' && char.IsAsciiLetter(word[1]));
}
