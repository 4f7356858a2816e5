using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Reflection;
using Electra.Cli.Commands;
using Electra.Cli.Parsing;
using Electra.Core.Errors;

namespace Electra.Cli;

/// <summary>
/// <c>electra &lt;command&gt;</c>: the command tree (one file per command under Commands/, shared options under
/// Options/), parsed by System.CommandLine; command-line mistakes exit 2 with the usage, errors in the input or the run
/// exit 1 with one line naming the file, key or line.
/// </summary>
public static class CommandLine
{
    /// <summary>The commands in the order <c>electra --help</c> lists them. A new command is one file and one line here.</summary>
    private static IEnumerable<Command> Commands(CliIO io) =>
    [
        ForwardCommand.Create(io),
        TokenizeCommand.Create(io),
        DetectCommand.Create(io),
        FillMaskCommand.Create(io),
        ClassifyCommand.Create(io),
        NerCommand.Create(io),
        QaCommand.Create(io),
        EmbedCommand.Create(io),
        RerankCommand.Create(io),
        ValidateCommand.Create(io),
        BenchCommand.Create(io),
        DevicesCommand.Create(io),
        ServeCommand.Create(io),
        CompletionCommand.Create(io),
    ];

    /// <param name="args">the command line after the program name.</param>
    /// <param name="stdout">results and help.</param>
    /// <param name="stderr">errors, usage mistakes and progress.</param>
    /// <param name="stdin">what <c>electra tokenize</c> reads without --input (default: the console).</param>
    /// <returns>An exit code of <see cref="ExitCodes"/>.</returns>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, TextReader? stdin = null)
    {
        var io = new CliIO(stdin ?? Console.In, stdout, stderr);
        var config = new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false };
        var root = CreateRoot(io, config);
        var parse = root.Parse(args);
        var command = parse.CommandResult.Command;
        string name = command == root ? "electra" : $"electra {command.Name}";
        // Help, --version and completion requests answer even on a line with mistakes; a command runs only on a clean one.
        if (parse.Action is ParseErrorAction || ReferenceEquals(parse.Action, command.Action))
        {
            var errors = UsageErrors.Find(parse, args);
            if (errors.Count > 0)
            {
                foreach (var e in errors) stderr.WriteLine($"{name}: {e}");
                WriteUsage(stderr, command, root);
                return ExitCodes.Usage;
            }
        }
        try
        {
            return parse.Invoke(config);
        }
        catch (UsageException ex)
        {
            stderr.WriteLine($"{name}: {ex.Message}");
            WriteUsage(stderr, command, root);
            return ExitCodes.Usage;
        }
        catch (Exception ex) when (ex is ElectraException or IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"{name}: error: {ex.Message}");
            return ExitCodes.Failure;
        }
    }

    /// <summary>The whole command tree, its actions writing to <paramref name="io"/>.</summary>
    internal static RootCommand CreateRoot(CliIO io, InvocationConfiguration config)
    {
        var root = new RootCommand("electra: ELECTRA models in .NET (HuggingFace transformers' ELECTRA, every head, on the CPU or Vulkan)");
        foreach (var c in Commands(io)) root.Subcommands.Add(c);
        root.Subcommands.Add(HelpCommand.Create(io, root, (args) => root.Parse(args).Invoke(config)));
        var help = root.Options.OfType<HelpOption>().Single();
        var standardHelp = (HelpAction)help.Action!;
        standardHelp.MaxWidth = 110;   // wrapped the same on a terminal, in a pipe and in the README
        help.Action = new HelpWithExitCodes(standardHelp);
        // The library's version, not the host's (the standard action reads the entry assembly, which is `dotnet test`'s host in tests).
        root.Options.OfType<VersionOption>().Single().Action = new PrintVersion();
        root.SetAction(r =>
        {
            // `electra` alone: the overview, and a usage exit code since nothing was asked.
            r.RootCommandResult.Command.Parse(["--help"]).Invoke(config);
            return ExitCodes.Usage;
        });
        return root;
    }

    private static void WriteUsage(TextWriter stderr, Command command, RootCommand root)
    {
        if (command == root)
        {
            stderr.WriteLine("usage: electra <command> [options]");
            stderr.WriteLine("run `electra --help` for the commands, `electra <command> --help` for a command's options");
            return;
        }
        var arguments = string.Concat(command.Arguments.Where(a => !a.Hidden).Select(a =>
            a.Arity.MaximumNumberOfValues > 1 ? $" [{a.Name} ...]" : a.Arity.MinimumNumberOfValues == 0 ? $" [{a.Name}]" : $" {a.Name}"));
        var required = string.Concat(command.Options.Where(o => o.Required).Select(o => $" {o.Name} {o.HelpName}"));
        stderr.WriteLine($"usage: electra {command.Name}{required}{arguments} [options]");
        stderr.WriteLine($"run `electra {command.Name} --help` for every option");
    }

    private sealed class PrintVersion : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            var assembly = typeof(CommandLine).Assembly;
            parseResult.InvocationConfiguration.Output.WriteLine(
                assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? assembly.GetName().Version?.ToString());
            return ExitCodes.Success;
        }
    }

    /// <summary>The help of every command, followed by the exit codes.</summary>
    private sealed class HelpWithExitCodes(HelpAction inner) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            inner.Invoke(parseResult);
            var output = parseResult.InvocationConfiguration.Output;
            output.WriteLine("Exit codes:");
            foreach (var (code, meaning) in ExitCodes.Described) output.WriteLine($"  {code}  {meaning}");
            output.WriteLine();
            return ExitCodes.Success;
        }
    }
}
