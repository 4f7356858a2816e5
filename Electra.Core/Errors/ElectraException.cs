namespace Electra.Core.Errors;

/// <summary>Base of every error Electra.NET raises on purpose. Catch this to handle "bad input" as a class.</summary>
public class ElectraException : Exception
{
    public ElectraException(string message) : base(message) { }
    public ElectraException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>A checkpoint file (safetensors, pytorch_model.bin, index) is unreadable, malformed or unsafe.</summary>
public class CheckpointFormatException : ElectraException
{
    public string FilePath { get; }
    public CheckpointFormatException(string filePath, string message)
        : base($"{filePath}: {message}") => FilePath = filePath;
    public CheckpointFormatException(string filePath, string message, Exception inner)
        : base($"{filePath}: {message}", inner) => FilePath = filePath;
}

/// <summary>A checkpoint lacks a tensor the model needs, or holds it with the wrong shape.</summary>
public class WeightMismatchException : ElectraException
{
    public string Key { get; }
    public WeightMismatchException(string key, string message) : base(message) => Key = key;
}

/// <summary>config.json (or another configuration file) is malformed or describes an unsupported model.</summary>
public class ConfigException : ElectraException
{
    public ConfigException(string message) : base(message) { }
    public ConfigException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>Runtime inputs (ids, masks, shapes) are inconsistent with each other or with the model.</summary>
public class InputException : ElectraException
{
    public InputException(string message) : base(message) { }
}

/// <summary>A backend could not be created or used (no driver, no device, unsupported feature).</summary>
public class BackendException : ElectraException
{
    public BackendException(string message) : base(message) { }
    public BackendException(string message, Exception inner) : base(message, inner) { }
}
