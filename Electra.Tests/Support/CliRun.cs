using Electra.Cli;

namespace Electra.Tests.Support;

/// <summary>Runs the <c>electra</c> command in-process, as the CLI tests call it: exit code and both streams.</summary>
public static class CliRun
{
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CommandLine.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>The non-empty, trimmed lines of an output.</summary>
    public static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
