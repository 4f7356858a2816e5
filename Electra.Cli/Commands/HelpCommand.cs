using System.CommandLine;
using Electra.Cli.Options;
using Electra.Cli.Parsing;

namespace Electra.Cli.Commands;

/// <summary><c>electra help [COMMAND]</c>: the same text as <c>electra [COMMAND] --help</c>.</summary>
internal static class HelpCommand
{
    /// <param name="io">where messages go.</param>
    /// <param name="root">the command tree, to look COMMAND up in.</param>
    /// <param name="run">runs a command line on the same tree (prints the help).</param>
    public static Command Create(CliIO io, RootCommand root, Func<string[], int> run)
    {
        var command = new Command("help", "the overview, or a command's options: `electra help detect` is `electra detect --help`");
        var name = command.Define(new Argument<string>("COMMAND") { Description = "the command to describe", HelpName = "COMMAND", Arity = ArgumentArity.ZeroOrOne });
        name.CompletionSources.Add(_ => root.Subcommands.Select(c => new System.CommandLine.Completions.CompletionItem(c.Name)));
        command.SetAction(r =>
        {
            var asked = r.GetValue(name);
            if (asked is null) return run(["--help"]);
            if (root.Subcommands.All(c => c.Name != asked))
            {
                var close = Suggestions.For(asked, root.Subcommands.Select(c => c.Name));
                throw new UsageException($"unknown command '{asked}'{(close.Count > 0 ? $"; did you mean {string.Join(" or ", close)}?" : "")}");
            }
            return run([asked, "--help"]);
        });
        return command;
    }
}
