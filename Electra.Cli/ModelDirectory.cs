using Electra.Core.Errors;

namespace Electra.Cli;

/// <summary>Turns what the user typed after --model into a model folder.</summary>
public static class ModelDirectory
{
    public static string Resolve(string name) =>
        Directory.Exists(name) ? name : throw new ConfigException($"model folder '{name}' does not exist");
}
