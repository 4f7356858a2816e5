namespace Electra.Core.Errors;

/// <summary>
/// A file a model folder points at cannot be read safely: it is missing, not a regular file (a FIFO, a device, a
/// directory, a link to one of these), or larger than the limit for its kind. Nothing beyond the limit was read.
/// </summary>
public class InputFileException : ElectraException
{
    /// <summary>The path as given (a link is named, not its target).</summary>
    public string FilePath { get; }

    /// <summary>The message without the path in front, for callers that wrap it in their own exception type.</summary>
    public string Reason { get; }

    public InputFileException(string filePath, string message) : base($"{filePath}: {message}") => (FilePath, Reason) = (filePath, message);

    public InputFileException(string filePath, string message, Exception inner)
        : base($"{filePath}: {message}", inner) => (FilePath, Reason) = (filePath, message);
}
