using Electra.Hub;

namespace Electra.Cli;

/// <summary>Turns what the user typed after --model into a model folder.</summary>
public static class ModelDirectory
{
    /// <summary>A folder as it is, or a hub id resolved offline in the Hugging Face cache (see <see cref="ModelLocator"/>).</summary>
    /// <exception cref="Core.Errors.ModelNotFoundException">neither; the message lists where it looked.</exception>
    public static string Resolve(string name, string? revision = null) => ModelLocator.Resolve(name, revision);
}
