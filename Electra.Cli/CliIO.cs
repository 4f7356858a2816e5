namespace Electra.Cli;

/// <summary>Where a command reads its standard input and writes its output and messages (the console, or a test's buffers).</summary>
public sealed record CliIO(TextReader In, TextWriter Out, TextWriter Err);
