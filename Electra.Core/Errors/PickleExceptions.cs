namespace Electra.Core.Errors;

/// <summary>
/// A pickle (the <c>data.pkl</c> of a <c>pytorch_model.bin</c>) names a global that is not on the state-dict
/// allow-list, e.g. <c>os.system</c>. Nothing was executed: the global was refused when it was read.
/// </summary>
public class UnsafePickleException : CheckpointFormatException
{
    /// <summary>The refused global as <c>module.name</c>.</summary>
    public string Global { get; }

    /// <summary>Byte offset of the opcode that named the global, inside the pickle.</summary>
    public long Offset { get; }

    public UnsafePickleException(string filePath, string global, long offset)
        : base(filePath, $"refused pickle global '{global}' at byte {offset} of the pickle: only the globals that "
            + "PyTorch state dicts use are allowed, so nothing is ever executed. Convert the checkpoint to "
            + "safetensors if it really holds more than tensors.")
        => (Global, Offset) = (global, offset);
}

/// <summary>A pickle is malformed, truncated, uses an opcode outside the state-dict subset, or exceeds a limit.</summary>
public class PickleFormatException : CheckpointFormatException
{
    /// <summary>Byte offset inside the pickle where the problem was found.</summary>
    public long Offset { get; }

    public PickleFormatException(string filePath, long offset, string message)
        : base(filePath, $"pickle byte {offset}: {message}") => Offset = offset;
}
