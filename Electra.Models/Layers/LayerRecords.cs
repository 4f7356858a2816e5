using System.Collections.Immutable;
using Electra.Core.Backend;

namespace Electra.Models.Layers;

// One record per HF nn.Module of modeling_electra.py; field names follow the state-dict keys.

/// <summary>HF: nn.LayerNorm. Keys: {prefix}.weight, {prefix}.bias, [n].</summary>
public sealed record LayerNormWeights(DeviceTensor Weight, DeviceTensor Bias, float Eps);

/// <summary>HF: ElectraEmbeddings. Keys: embeddings.{word_embeddings,position_embeddings,token_type_embeddings}.weight, embeddings.LayerNorm.*.</summary>
public sealed record Embeddings(DeviceTensor WordEmbeddings, DeviceTensor PositionEmbeddings, DeviceTensor TokenTypeEmbeddings,
    LayerNormWeights LayerNorm);

/// <summary>HF: ElectraSelfAttention. Keys: encoder.layer.{i}.attention.self.{query,key,value}.*, [H, H].</summary>
public sealed record SelfAttention(LinearWeight Query, LinearWeight Key, LinearWeight Value, int Heads)
{
    /// <summary>
    /// Query, key and value, in that order, for <c>IForwardPass.Linears</c>: computed on each call, so a <c>with</c>
    /// copy that replaces one of them returns the new one.
    /// </summary>
    public ImmutableArray<LinearWeight> Projections => [Query, Key, Value];
}

/// <summary>HF: ElectraSelfOutput. Keys: encoder.layer.{i}.attention.output.{dense,LayerNorm}.*.</summary>
public sealed record AttentionOutput(LinearWeight Dense, LayerNormWeights LayerNorm);

/// <summary>HF: ElectraIntermediate. Keys: encoder.layer.{i}.intermediate.dense.*, [I, H]; activation = hidden_act.</summary>
public sealed record Intermediate(LinearWeight Dense, Activation Activation);

/// <summary>HF: ElectraOutput. Keys: encoder.layer.{i}.output.{dense,LayerNorm}.*, dense [H, I].</summary>
public sealed record LayerOutput(LinearWeight Dense, LayerNormWeights LayerNorm);

/// <summary>HF: ElectraLayer.</summary>
public sealed record EncoderLayer(SelfAttention Attention, AttentionOutput AttentionOutput, Intermediate Intermediate, LayerOutput Output);

/// <summary>HF: ElectraModel without a head: embeddings, optional embeddings_project (E ≠ H), the encoder layers.</summary>
public sealed record ElectraBody(Embeddings Embeddings, LinearWeight? EmbeddingsProject, ImmutableArray<EncoderLayer> Layers,
    bool IsDecoder);
