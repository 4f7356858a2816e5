using System.Text.Json.Nodes;
using Electra.Core.Configuration;
using Electra.Core.Errors;
using Electra.Cpu;
using Electra.Models;
using Electra.Tests.Support;

namespace Electra.Tests.Hardening;

/// <summary>
/// Sizes that come from a file are checked against what the file backs before anything is allocated by them
/// (the rows: num_hidden_layers 2^31−1 ran out of memory; num_labels 10^6 took 8 s and 300 MB).
/// </summary>
public sealed class ResourceBoundTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("electra-bounds-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A copy of a fixture folder with config.json edited.</summary>
    private string FixtureWithConfig(string fixture, Action<JsonObject> edit)
    {
        var source = SharedData.Fixture(fixture);
        var target = Directory.CreateDirectory(Path.Combine(_dir, Guid.NewGuid().ToString("N"))).FullName;
        File.CreateSymbolicLink(Path.Combine(target, "model.safetensors"), Path.Combine(source, "model.safetensors"));
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(source, "config.json")))!.AsObject();
        edit(config);
        File.WriteAllText(Path.Combine(target, "config.json"), config.ToJsonString());
        return target;
    }

    [Theory]
    [InlineData(2147483647)]
    [InlineData(1000000000)]
    [InlineData(3)]
    public void MoreLayersThanTheCheckpointHoldsIsRefusedBeforeAllocating(int layers)
    {
        var folder = FixtureWithConfig("pretraining_gelu", c => c["num_hidden_layers"] = layers);
        using var backend = new CpuBackend();
        long before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<WeightMismatchException>(() => ElectraPretrained.Load(folder, backend));
        Assert.Contains("encoder.layer.2.attention.self.query.weight", ex.Message);
        if (layers > 3) Assert.Contains($"num_hidden_layers {layers:N0}", ex.Message);
        // The fixture's weights are a few hundred KB; nothing near 2^31 layers' worth was allocated.
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 << 20);
    }

    [Fact]
    public void LayersWrittenAsAFloatAreAConfigError()
    {
        // Python reads 1e9 as a float, which transformers cannot range over; refused by type, nothing sized by it.
        var folder = FixtureWithConfig("pretraining_gelu", c => c["num_hidden_layers"] = 12345);
        var path = Path.Combine(folder, "config.json");
        File.WriteAllText(path, File.ReadAllText(path).Replace("12345", "1e9"));
        Assert.Contains("num_hidden_layers", Assert.Throws<ConfigException>(() => ElectraConfigJson.Load(folder)).Message);
    }

    [Fact]
    public void AMillionUnnamedLabelsAreRefusedBeforeTheLabelMapIsBuilt()
    {
        var ex = Assert.Throws<ConfigException>(() => ElectraConfigJson.Parse("""{"num_labels": 1000000}""", "x/config.json"));
        Assert.Contains("without id2label", ex.Message);
        Assert.Contains("x/config.json", ex.Message);
        // Named labels are backed by the file's own bytes and stay accepted up to MaxLabels.
        Assert.Equal(ElectraConfigJson.MaxDefaultLabels, ElectraConfigJson.Parse($$"""{"num_labels": {{ElectraConfigJson.MaxDefaultLabels}}}""").NumLabels);
    }
}
