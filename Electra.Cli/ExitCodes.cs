namespace Electra.Cli;

/// <summary>The exit codes of every electra command (listed in <c>electra --help</c>).</summary>
public static class ExitCodes
{
    public const int Success = 0;

    /// <summary>Bad input (a file, model, line or value), or a run that failed.</summary>
    public const int Failure = 1;

    /// <summary>A command-line mistake: unknown command or option, missing or malformed value.</summary>
    public const int Usage = 2;

    /// <summary><c>electra validate</c>: the run worked but an output is missing or outside tolerance.</summary>
    public const int OutOfTolerance = 3;

    /// <summary>The lines of the help section.</summary>
    public static readonly IReadOnlyList<(string Code, string Meaning)> Described =
    [
        ("0", "success"),
        ("1", "bad input (file, model, line or value) or a failed run; the message names it"),
        ("2", "usage: unknown command or option, missing or malformed value"),
        ("3", "validate: an output missing or outside tolerance"),
    ];
}
