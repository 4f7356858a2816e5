using System.Collections.Immutable;
using Electra.Core.Backend;
using Electra.Core.Checkpoints;
using Electra.Core.Configuration;
using Electra.Core.Errors;
using Electra.Models.Heads;
using Electra.Models.Layers;

namespace Electra.Models.Loading;

/// <summary>Builds a model's modules from a checkpoint under transformers' state-dict names (each module's <c>Load</c>).</summary>
public static class ModelWeightsLoader
{
    /// <summary>Base-model tensors live under this prefix for every head class; a bare ElectraModel stores them without it.</summary>
    public const string BasePrefix = "electra.";

    /// <summary>Loads the body and head weights and uploads them to <paramref name="backend"/>.</summary>
    /// <exception cref="WeightMismatchException">a tensor is missing or has the wrong shape (message names key and shapes).</exception>
    public static (ElectraBody Body, Head Head, LoadReport Report) Load(IWeightSource source, ElectraConfig config,
        ElectraArchitecture architecture, IBackend backend)
    {
        var reader = new CheckpointWeightReader(source, backend);
        var prefix = source.Contains(BasePrefix + "embeddings.word_embeddings.weight") ? BasePrefix : "";
        var body = ElectraBody.Load(reader, prefix, config);
        var head = Head.Load(architecture, reader, prefix, config);
        var unused = source.Keys.Where(k => !reader.Used.Contains(k)).OrderBy(k => k, StringComparer.Ordinal).ToImmutableArray();
        return (body, head, new LoadReport(unused, prefix)
        {
            NonFiniteWeights = reader.NonFinite.ToImmutableSortedDictionary(StringComparer.Ordinal),
            ParameterCount = reader.ParameterCount,
        });
    }
}
