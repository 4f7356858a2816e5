using System.Collections.Immutable;
using System.Text.Json;
using Electra.Core.Errors;
using Electra.Core.Tensors;
using Electra.Core.Files;

namespace Electra.Core.Checkpoints;

/// <summary>
/// A checkpoint split over several files and described by an index (<c>model.safetensors.index.json</c> or
/// <c>pytorch_model.bin.index.json</c>: <c>{"weight_map": {"key": "shard file"}}</c>).
/// </summary>
public sealed class ShardedWeightSource : IWeightSource
{
    private readonly ImmutableDictionary<string, IWeightSource> _byKey;
    private readonly ImmutableArray<IWeightSource> _shards;

    private ShardedWeightSource(string location, ImmutableDictionary<string, IWeightSource> byKey, ImmutableArray<IWeightSource> shards)
    {
        Location = location;
        _byKey = byKey;
        _shards = shards;
    }

    public string Location { get; }
    public IReadOnlyCollection<string> Keys => _byKey.Keys.ToArray();

    /// <summary>Opens an index file; <paramref name="openShard"/> opens one shard file (e.g. <see cref="SafetensorsFile.Open"/>).</summary>
    /// <exception cref="CheckpointFormatException">the index is malformed, names a missing shard, or a shard lacks a key it lists.</exception>
    public static ShardedWeightSource Open(string indexPath, Func<string, IWeightSource> openShard)
    {
        if (!File.Exists(indexPath)) throw new CheckpointFormatException(indexPath, "file not found");
        var folder = Path.GetDirectoryName(Path.GetFullPath(indexPath))!;
        Dictionary<string, string> weightMap;
        try
        {
            byte[] bytes;
            try { bytes = SafeFile.ReadAllBytes(indexPath, SafeFile.MaxJsonBytes, "the shard index"); }
            catch (InputFileException e) { throw new CheckpointFormatException(indexPath, e.Reason, e); }
            using var doc = JsonDocument.Parse(bytes);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new CheckpointFormatException(indexPath, $"expected a JSON object with \"weight_map\", found {doc.RootElement.ValueKind}");
            if (!doc.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
                throw new CheckpointFormatException(indexPath, "missing the \"weight_map\" object");
            weightMap = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var p in map.EnumerateObject())
            {
                if (p.Value.ValueKind != JsonValueKind.String)
                    throw new CheckpointFormatException(indexPath, $"weight_map entry '{p.Name}' is not a file name");
                var shard = p.Value.GetString()!;
                if (shard.Contains('/') || shard.Contains('\\') || shard == ".." || shard.Length == 0)
                    throw new CheckpointFormatException(indexPath, $"weight_map entry '{p.Name}' names '{shard}', which is not a file in the same folder");
                weightMap[p.Name] = shard;
            }
        }
        catch (JsonException ex)
        {
            throw new CheckpointFormatException(indexPath, $"not valid JSON: {ex.Message}", ex);
        }
        catch (InvalidOperationException ex)
        {
            // JsonElement.GetString / property names throw this for an escaped lone surrogate ("\ud800").
            throw new CheckpointFormatException(indexPath, $"a key or shard name is not valid Unicode: {ex.Message}", ex);
        }

        var opened = new Dictionary<string, IWeightSource>(StringComparer.Ordinal);
        try
        {
            var byKey = ImmutableDictionary.CreateBuilder<string, IWeightSource>(StringComparer.Ordinal);
            foreach (var (key, shard) in weightMap)
            {
                if (!opened.TryGetValue(shard, out var source))
                {
                    var shardPath = Path.Combine(folder, shard);
                    if (!File.Exists(shardPath))
                        throw new CheckpointFormatException(indexPath, $"shard '{shard}' (for '{key}') does not exist");
                    source = openShard(shardPath);
                    opened[shard] = source;
                }
                if (!source.Contains(key))
                    throw new CheckpointFormatException(indexPath, $"shard '{shard}' has no tensor '{key}' although the index says so");
                byKey[key] = source;
            }
            return new ShardedWeightSource(indexPath, byKey.ToImmutable(), opened.Values.ToImmutableArray());
        }
        catch
        {
            foreach (var s in opened.Values) s.Dispose();
            throw;
        }
    }

    public bool Contains(string key) => _byKey.ContainsKey(key);

    public TensorInfo GetInfo(string key) => Find(key).GetInfo(key);

    public HostTensor ReadFloat32(string key) => Find(key).ReadFloat32(key);

    public TResult WithFloat32<TResult>(string key, Func<HostTensor, TResult> use) => Find(key).WithFloat32(key, use);

    public void Dispose()
    {
        foreach (var s in _shards) s.Dispose();
    }

    private IWeightSource Find(string key) =>
        _byKey.TryGetValue(key, out var s) ? s : throw new WeightMismatchException(key, $"{Location}: no tensor named '{key}'");
}
