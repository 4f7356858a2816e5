using Electra.Core.Errors;

namespace Electra.Core.Checkpoints;

/// <summary>Finds and opens the weights in a model folder the way transformers' from_pretrained does.</summary>
public static class CheckpointLoader
{
    /// <summary>File names tried in order (safetensors first, as transformers prefers it).</summary>
    public static readonly IReadOnlyList<string> WeightFileNames =
        ["model.safetensors", "model.safetensors.index.json", "pytorch_model.bin", "pytorch_model.bin.index.json"];

    /// <summary>Opens the checkpoint in <paramref name="modelDirectory"/>.</summary>
    /// <exception cref="CheckpointFormatException">no weight file is there, or it is invalid.</exception>
    public static IWeightSource Open(string modelDirectory)
    {
        if (!Directory.Exists(modelDirectory))
            throw new CheckpointFormatException(modelDirectory, "model folder does not exist");
        foreach (var name in WeightFileNames)
        {
            var path = Path.Combine(modelDirectory, name);
            if (File.Exists(path)) return OpenFile(path);
        }
        throw new CheckpointFormatException(modelDirectory,
            $"no weights found: expected one of {string.Join(", ", WeightFileNames)}");
    }

    /// <summary>Opens one weight file, choosing the reader by its name.</summary>
    public static IWeightSource OpenFile(string path)
    {
        var name = Path.GetFileName(path);
        if (name.EndsWith(".safetensors.index.json", StringComparison.Ordinal))
            return ShardedWeightSource.Open(path, SafetensorsFile.Open);
        if (name.EndsWith(".safetensors", StringComparison.Ordinal))
            return SafetensorsFile.Open(path);
        if (name.EndsWith(".bin.index.json", StringComparison.Ordinal))
            return ShardedWeightSource.Open(path, OpenPyTorch);
        if (name.EndsWith(".bin", StringComparison.Ordinal) || name.EndsWith(".pt", StringComparison.Ordinal) || name.EndsWith(".pth", StringComparison.Ordinal))
            return OpenPyTorch(path);
        throw new CheckpointFormatException(path, "unknown weight file type: expected .safetensors, .bin or an index .json");
    }

    private static IWeightSource OpenPyTorch(string path) => PyTorch.PyTorchBinCheckpoint.Open(path);
}
