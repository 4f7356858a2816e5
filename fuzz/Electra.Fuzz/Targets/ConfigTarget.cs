using System.Text;
using Electra.Core.Configuration;

namespace Electra.Fuzz;

/// <summary>ElectraConfigJson.Parse on the text (decoded as File.ReadAllText would), then a round trip through ToJson.</summary>
public sealed class ConfigTarget : FuzzTarget
{
    public override string Name => "config";

    public override IEnumerable<byte[]> Seeds(string repoRoot) =>
        Directory.EnumerateFiles(Shared(repoRoot, "fixtures"), "config.json", SearchOption.AllDirectories)
            .Concat(Directory.EnumerateFiles(Path.Combine(repoRoot, "models"), "config.json", SearchOption.AllDirectories))
            .OrderBy(p => p, StringComparer.Ordinal)
            .Select(File.ReadAllBytes);

    public override Func<byte[], byte[]>? Structured(Mutator mutator, Random rng) => mutator.Json;

    public override void Execute(byte[] input)
    {
        var config = ElectraConfigJson.Parse(Encoding.UTF8.GetString(input), "fuzz/config.json");
        var again = ElectraConfigJson.Parse(ElectraConfigJson.ToJson(config), "round-trip");
        if (ElectraConfigJson.ToJson(again) != ElectraConfigJson.ToJson(config))
            throw new InvalidOperationException("config does not survive a ToJson/Parse round trip");
    }
}
