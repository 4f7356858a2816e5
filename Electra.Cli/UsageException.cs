namespace Electra.Cli;

/// <summary>A command-line mistake found while running a command: printed with the command's usage, exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
