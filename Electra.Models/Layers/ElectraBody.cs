using Electra.Core.Backend;
using Electra.Core.Checkpoints;
using Electra.Core.Configuration;
using Electra.Models.Forward;
using Electra.Models.Loading;

namespace Electra.Models.Layers;

/// <summary>
/// HF: ElectraModel, the body every head sits on: <see cref="Embeddings"/>, <see cref="EmbeddingsProject"/> (present
/// when embedding_size ≠ hidden_size) and <see cref="Encoder"/>. Keys: {prefix}embeddings.*, {prefix}embeddings_project.*,
/// {prefix}encoder.*, where the prefix is "electra." under every head class and "" in a bare ElectraModel checkpoint.
/// </summary>
public sealed record ElectraBody(ElectraEmbeddings Embeddings, LinearWeight? EmbeddingsProject, ElectraEncoder Encoder)
{
    /// <param name="weights">The checkpoint, or a recorder of the state-dict layout.</param>
    /// <param name="prefix">"electra." or "".</param>
    /// <param name="config">Sizes, activation, is_decoder.</param>
    internal static ElectraBody Load(WeightReader weights, string prefix, ElectraConfig config)
    {
        var embeddings = ElectraEmbeddings.Load(weights, prefix + "embeddings", config);
        var project = config.HasEmbeddingsProjection
            ? weights.Linear(prefix + "embeddings_project", config.HiddenSize, config.EmbeddingSize)
            : null;
        if (weights is CheckpointWeightReader checkpoint) LayerCount.Check(config, checkpoint.Source, prefix);
        return new ElectraBody(embeddings, project, ElectraEncoder.Load(weights, prefix + "encoder", config));
    }

    /// <summary>The embeddings, then embeddings_project when there is one (see <see cref="ElectraEmbeddings.Forward"/>).</summary>
    /// <returns>[..shape, H], owned by the caller.</returns>
    internal DeviceTensor Embed(IForwardPass pass, bool fromIds, ReadOnlySpan<int> inputIds, ReadOnlySpan<float> inputsEmbeds,
        ReadOnlySpan<int> positionIds, ReadOnlySpan<int> tokenTypeIds, ReadOnlySpan<int> shape)
    {
        var embedded = Embeddings.Forward(pass, fromIds, inputIds, inputsEmbeds, positionIds, tokenTypeIds, shape);
        if (EmbeddingsProject is null) return embedded;
        using (pass.Scope(embedded))
            return pass.Linear(embedded, EmbeddingsProject);
    }

    /// <summary><see cref="Embed(IForwardPass, bool, ReadOnlySpan{int}, ReadOnlySpan{float}, ReadOnlySpan{int}, ReadOnlySpan{int}, ReadOnlySpan{int})"/> of checked, padded inputs [Rows, S].</summary>
    internal DeviceTensor Embed(IForwardPass pass, in PreparedInputs inputs) =>
        Embed(pass, inputs.InputIds is not null, inputs.InputIds.GetValueOrDefault().Span, inputs.InputsEmbeds.GetValueOrDefault().Span,
            inputs.PositionIds.Span, inputs.TokenTypeIds.Span, [inputs.Rows, inputs.Seq]);
}
