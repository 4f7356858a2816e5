using Electra.Core.Configuration;
using Electra.Core.Errors;

namespace Electra.Core.Checkpoints;

/// <summary>
/// Checks the layer count config.json claims against the checkpoint before anything is sized by it: a 7-byte
/// <c>"num_hidden_layers": 2147483647</c> must not size an array of two billion layers.
/// </summary>
public static class LayerCount
{
    /// <summary>Tensors of one transformers ElectraLayer: q, k, v, attention output, intermediate, output (weight + bias each) and two LayerNorms.</summary>
    public const int TensorsPerLayer = 16;

    /// <summary>
    /// Throws unless the checkpoint can hold <see cref="ElectraConfig.NumHiddenLayers"/> layers under
    /// <paramref name="prefix"/> ("electra." or ""), naming the first layer it lacks.
    /// </summary>
    /// <exception cref="WeightMismatchException">the checkpoint has fewer layers than config.json says.</exception>
    public static void Check(ElectraConfig config, IWeightSource source, string prefix)
    {
        long claimed = config.NumHiddenLayers;
        int keys = source.Keys.Count;
        if (claimed * TensorsPerLayer <= keys) return; // plausible: the per-layer reads name any missing tensor
        // Too few tensors in all: find the first layer it lacks (at most keys / 16 + 1 probes).
        int first = 0;
        while (first < claimed && source.Contains(QueryKey(prefix, first))) first++;
        var missing = QueryKey(prefix, first);
        throw new WeightMismatchException(missing,
            $"{source.Location}: config.json says num_hidden_layers {claimed:N0}, but the checkpoint holds {keys:N0} tensors, "
            + $"too few for that many layers (each has {TensorsPerLayer}); the first missing is '{missing}'");
    }

    private static string QueryKey(string prefix, int layer) => $"{prefix}encoder.layer.{layer}.attention.self.query.weight";
}
