using System.Collections.Immutable;
using Electra.Core.Errors;

namespace Electra.Cli;

/// <summary>
/// Finds the demo model that ships with Electra.NET (<c>models/electra-tiny-rtd</c>): next to the executable (the
/// build copies it there), in a <c>models/</c> folder above it (a source checkout), or under the working directory.
/// </summary>
public static class DefaultModels
{
    public const string DemoFolder = "models/electra-tiny-rtd";

    /// <summary>The demo discriminator (for detect).</summary>
    public static string Discriminator() => Find("discriminator");

    /// <summary>The demo generator (for fill-mask).</summary>
    public static string Generator() => Find("generator");

    /// <exception cref="ModelNotFoundException">no candidate folder holds the demo model's config.json.</exception>
    public static string Find(string part)
    {
        var candidates = new List<string> { Path.Combine(AppContext.BaseDirectory, DemoFolder, part) };
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory).Parent; dir is not null; dir = dir.Parent)
            candidates.Add(Path.Combine(dir.FullName, DemoFolder, part));
        candidates.Add(Path.Combine(Directory.GetCurrentDirectory(), DemoFolder, part));
        foreach (var c in candidates)
            if (File.Exists(Path.Combine(c, "config.json"))) return c;
        var tried = candidates.Select(c => $"{c}: no config.json").ToImmutableArray();
        throw new ModelNotFoundException($"{DemoFolder}/{part}", tried,
            $"the built-in demo model ({DemoFolder}/{part}) was not found next to the executable nor above it; pass --model DIR");
    }
}
