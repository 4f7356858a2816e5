using Electra.Cli.Commands;
using Electra.Core.Errors;

namespace Electra.Cli;

/// <summary>Dispatches `electra &lt;command&gt;` to the command implementations and turns errors into exit codes.</summary>
public static class CommandLine
{
    private const string Help = """
        electra: ELECTRA models in .NET

        commands:
          forward    run a model on inputs.json and write every output as safetensors
          tokenize   BERT WordPiece tokenization of JSON lines, exactly as transformers
          validate   compare a model's outputs with transformers' reference outputs, per tensor and layer
          help       this text

        run `electra <command> --help` for a command's options.
        """;

    /// <returns>0 on success, 1 on bad input or a failed run, 2 on a usage error.</returns>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length == 0 || args[0] is "help" or "--help" or "-h")
        {
            stdout.WriteLine(Help);
            return args.Length == 0 ? 2 : 0;
        }
        var (command, rest) = (args[0], args[1..]);
        string usage = command switch
        {
            "forward" => ForwardCommand.Usage,
            "tokenize" => TokenizeCommand.Usage,
            "validate" => ValidateCommand.Usage,
            _ => "",
        };
        if (rest.Contains("--help"))
        {
            stdout.WriteLine(usage.Length > 0 ? usage : Help);
            return 0;
        }
        try
        {
            return command switch
            {
                "forward" => ForwardCommand.Run(rest, stdout, stderr),
                "tokenize" => TokenizeCommand.Run(rest, Console.In, stdout, stderr),
                "validate" => ValidateCommand.Run(rest, stdout, stderr),
                _ => throw new UsageException($"unknown command '{command}'"),
            };
        }
        catch (UsageException ex)
        {
            stderr.WriteLine($"electra {command}: {ex.Message}");
            stderr.WriteLine(usage.Length > 0 ? usage : "run `electra help` for the commands");
            return 2;
        }
        catch (ElectraException ex)
        {
            stderr.WriteLine($"electra {command}: error: {ex.Message}");
            return 1;
        }
        catch (IOException ex)
        {
            stderr.WriteLine($"electra {command}: error: {ex.Message}");
            return 1;
        }
        catch (UnauthorizedAccessException ex)
        {
            stderr.WriteLine($"electra {command}: error: {ex.Message}");
            return 1;
        }
    }
}
