using Electra.Core.Checkpoints;
using Electra.Core.Errors;
using Electra.Tests.Core;

namespace Electra.Tests.Hardening;

/// <summary>Hostile sharded-checkpoint indexes and shard files: each a typed error naming the index.</summary>
public sealed class ShardIndexTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("electra-shards-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Index(string json)
    {
        var path = Path.Combine(_dir, "model.safetensors.index.json");
        File.WriteAllText(path, json);
        return path;
    }

    // The rows: `[]` and a lone-surrogate shard name escaped as InvalidOperationException.
    [Theory]
    [InlineData("[]", "expected a JSON object")]
    [InlineData("5", "expected a JSON object")]
    [InlineData("""{"weight_map": {"a": "\ud800"}}""", "not valid Unicode")]
    [InlineData("""{"weight_map": {"\udc00": "x.safetensors"}}""", "not valid Unicode")]
    [InlineData("""{"weight_map": []}""", "weight_map")]
    public void MalformedIndexIsACheckpointError(string json, string expected)
    {
        var path = Index(json);
        var ex = Assert.Throws<CheckpointFormatException>(() => ShardedWeightSource.Open(path, SafetensorsFile.Open));
        Assert.Contains(expected, ex.Message);
        Assert.Contains(path, ex.Message);
    }

    [Fact]
    public void AShardThatIsAFifoOrADeviceIsRefusedWithoutBlocking()
    {
        SafeFileTests.MakeFifo(Path.Combine(_dir, "fifo.safetensors"));
        var path = Index("""{"weight_map": {"a": "fifo.safetensors"}}""");
        Assert.Contains("FIFO", Assert.Throws<CheckpointFormatException>(() => ShardedWeightSource.Open(path, SafetensorsFile.Open)).Message);
        File.CreateSymbolicLink(Path.Combine(_dir, "zero.safetensors"), "/dev/zero");
        path = Index("""{"weight_map": {"a": "zero.safetensors"}}""");
        Assert.Contains("device", Assert.Throws<CheckpointFormatException>(() => ShardedWeightSource.Open(path, SafetensorsFile.Open)).Message);
    }

    [Fact]
    public void AnIndexThatIsADeviceIsRefused()
    {
        var path = Path.Combine(_dir, "model.safetensors.index.json");
        File.CreateSymbolicLink(path, "/dev/zero");
        Assert.Contains("device", Assert.Throws<CheckpointFormatException>(() => ShardedWeightSource.Open(path, SafetensorsFile.Open)).Message);
    }
}
