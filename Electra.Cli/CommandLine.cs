namespace Electra.Cli;

/// <summary>Dispatches `electra &lt;command&gt;` to the command implementations.</summary>
public static class CommandLine
{
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        stderr.WriteLine("usage: electra <command> [options]");
        return 2;
    }
}
