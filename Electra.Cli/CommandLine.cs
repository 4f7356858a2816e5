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
          detect     replaced-token detection: which words look replaced (default: the tiny demo discriminator)
          fill-mask  the likeliest tokens for each [MASK] (default: the tiny demo generator)
          classify   text classification (ElectraForSequenceClassification)
          ner        token classification / named entities (ElectraForTokenClassification)
          qa         extractive question answering over contexts of any length (ElectraForQuestionAnswering)
          validate   compare a model's outputs with transformers' reference outputs, per tensor and layer
          bench      time a model's forward pass on deterministic random ids (JSON with --json)
          devices    list the Vulkan devices and the features Electra.NET uses
          serve      a Text Embeddings Inference (TEI) compatible HTTP server with dynamic batching
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
            "devices" => DevicesCommand.Usage,
            "bench" => BenchCommand.Usage,
            "tokenize" => TokenizeCommand.Usage,
            "detect" => DetectCommand.Usage,
            "fill-mask" => FillMaskCommand.Usage,
            "classify" => ClassifyCommand.Usage,
            "ner" => NerCommand.Usage,
            "qa" => QaCommand.Usage,
            "validate" => ValidateCommand.Usage,
            "serve" => ServeCommand.Usage,
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
                "devices" => DevicesCommand.Run(rest, stdout, stderr),
                "bench" => BenchCommand.Run(rest, stdout, stderr),
                "tokenize" => TokenizeCommand.Run(rest, Console.In, stdout, stderr),
                "detect" => DetectCommand.Run(rest, stdout, stderr),
                "fill-mask" => FillMaskCommand.Run(rest, stdout, stderr),
                "classify" => ClassifyCommand.Run(rest, stdout, stderr),
                "ner" => NerCommand.Run(rest, stdout, stderr),
                "qa" => QaCommand.Run(rest, stdout, stderr),
                "validate" => ValidateCommand.Run(rest, stdout, stderr),
                "serve" => ServeCommand.Run(rest, stdout, stderr),
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
