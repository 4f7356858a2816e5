using System.Collections.Immutable;
using Electra.Core.Errors;
using Electra.Core.Tensors;

namespace Electra.Core.Checkpoints;

/// <summary>Named float32 tensors held in memory: build a model from tensors you made yourself (tests, F# scripts, conversions).</summary>
public sealed class InMemoryWeights(IReadOnlyDictionary<string, HostTensor> tensors, string location = "<in memory>") : IWeightSource
{
    private readonly ImmutableDictionary<string, HostTensor> _tensors = tensors.ToImmutableDictionary(StringComparer.Ordinal);

    public string Location => location;
    public IReadOnlyCollection<string> Keys => _tensors.Keys.ToArray();
    public bool Contains(string key) => _tensors.ContainsKey(key);

    public TensorInfo GetInfo(string key) =>
        new(key, StorageDType.F32, Find(key).Shape.Select(d => (long)d).ToImmutableArray());

    public HostTensor ReadFloat32(string key) => Find(key);

    public void Dispose() { }

    private HostTensor Find(string key) =>
        _tensors.TryGetValue(key, out var t) ? t : throw new WeightMismatchException(key, $"{Location}: no tensor named '{key}'");
}
