using System.Collections.Immutable;
using Electra.Core.Backend;

namespace Electra.Models.Loading;

/// <summary>
/// A <see cref="WeightReader"/> that reads nothing: it writes down each key and shape a module's <c>Load</c> asks for
/// (once, in the order asked) and hands back placeholders with the right shapes. What it records is the state dict
/// transformers saves for the modules loaded through it.
/// </summary>
internal sealed class StateDictRecorder : WeightReader
{
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly ImmutableArray<(string Key, ImmutableArray<int> Shape)>.Builder _keys =
        ImmutableArray.CreateBuilder<(string, ImmutableArray<int>)>();

    public ImmutableArray<(string Key, ImmutableArray<int> Shape)> Keys => _keys.ToImmutable();

    public override DeviceTensor Weight(string key, params int[] shape)
    {
        Record(key, shape);
        return new Placeholder([.. shape]);
    }

    public override LinearWeight Linear(string weightKey, string biasKey, int outFeatures, int inFeatures,
        LinearRole role = LinearRole.Other)
    {
        Record(weightKey, outFeatures, inFeatures);
        Record(biasKey, outFeatures);
        return new PlaceholderLinear(inFeatures, outFeatures);
    }

    public override void Ignore(string key, params int[] shape) { }

    private void Record(string key, params int[] shape)
    {
        if (_seen.Add(key)) _keys.Add((key, [.. shape]));
    }

    private sealed class Placeholder(ImmutableArray<int> shape) : DeviceTensor(shape, DeviceDType.Float32);

    private sealed class PlaceholderLinear(int inFeatures, int outFeatures) : LinearWeight(inFeatures, outFeatures, hasBias: true);
}
