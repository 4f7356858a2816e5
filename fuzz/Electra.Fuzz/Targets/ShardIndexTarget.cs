using System.Text;
using Electra.Core.Checkpoints;

namespace Electra.Fuzz;

/// <summary>ShardedWeightSource.Open on the index bytes (its shards: two small valid files beside it), then every tensor read.</summary>
public sealed class ShardIndexTarget : FuzzTarget
{
    private readonly string _dir;
    private readonly string _path;

    public ShardIndexTarget()
    {
        _dir = Directory.CreateDirectory(ScratchFile("shards")).FullName;
        _path = Path.Combine(_dir, "model.safetensors.index.json");
        foreach (var (name, key) in new[] { ("a.safetensors", "x.weight"), ("b.safetensors", "y.bias") })
        {
            var h = Encoding.UTF8.GetBytes($$$"""{"{{{key}}}":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""");
            File.WriteAllBytes(Path.Combine(_dir, name), [.. BitConverter.GetBytes((long)h.Length), .. h, .. new byte[8]]);
        }
    }

    public override string Name => "shard-index";

    public override IEnumerable<byte[]> Seeds(string repoRoot)
    {
        yield return Encoding.UTF8.GetBytes("""{"metadata": {"total_size": 16}, "weight_map": {"x.weight": "a.safetensors", "y.bias": "b.safetensors"}}""");
        yield return Encoding.UTF8.GetBytes("""{"weight_map": {"x.weight": "a.safetensors"}}""");
    }

    public override Func<byte[], byte[]>? Structured(Mutator mutator, Random rng) => mutator.Json;

    public override void Execute(byte[] input)
    {
        File.WriteAllBytes(_path, input);
        using var source = ShardedWeightSource.Open(_path, SafetensorsFile.Open);
        foreach (var key in source.Keys) _ = source.ReadFloat32(key).ToArray();
    }
}
