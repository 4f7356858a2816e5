using Electra.Core.Backend;
using Electra.Core.Configuration;
using Electra.Models.Forward;
using Electra.Models.Loading;

namespace Electra.Models.Layers;

/// <summary>
/// HF: ElectraEmbeddings (modeling_electra.py): word + token type + position embeddings, then LayerNorm (dropout is
/// the identity in eval). Keys: {prefix}.{word_embeddings,position_embeddings,token_type_embeddings}.weight [·, E],
/// {prefix}.LayerNorm.{weight,bias} [E].
/// </summary>
public sealed record ElectraEmbeddings(DeviceTensor WordEmbeddings, DeviceTensor PositionEmbeddings,
    DeviceTensor TokenTypeEmbeddings, LayerNormWeights LayerNorm)
{
    internal static ElectraEmbeddings Load(WeightReader weights, string prefix, ElectraConfig config)
    {
        int e = config.EmbeddingSize;
        return new ElectraEmbeddings(
            weights.Weight(prefix + ".word_embeddings.weight", config.VocabSize, e),
            weights.Weight(prefix + ".position_embeddings.weight", config.MaxPositionEmbeddings, e),
            weights.Weight(prefix + ".token_type_embeddings.weight", config.TypeVocabSize, e),
            LayerNormWeights.Load(weights, prefix + ".LayerNorm", e, config.LayerNormEps));
    }

    /// <summary>
    /// Embeds tokens given as flat values of the leading <paramref name="shape"/> (e.g. [Rows, S], or [T] for packed
    /// rows): ids (when <paramref name="fromIds"/>) or embeds (E values per token), positions and token types.
    /// </summary>
    /// <returns>[..shape, E], owned by the caller.</returns>
    internal DeviceTensor Forward(IForwardPass pass, bool fromIds, ReadOnlySpan<int> inputIds, ReadOnlySpan<float> inputsEmbeds,
        ReadOnlySpan<int> positionIds, ReadOnlySpan<int> tokenTypeIds, ReadOnlySpan<int> shape)
    {
        if (fromIds)
        {
            // One operation (one dispatch on Vulkan); by default the same gathers, add and LayerNorm as below.
            using var ids = pass.Scope(pass.UploadInt(inputIds, shape));
            using var types = pass.Scope(pass.UploadInt(tokenTypeIds, shape));
            using var positions = pass.Scope(pass.UploadInt(positionIds, shape));
            return pass.Embed(new EmbeddingInputs(WordEmbeddings, ids, TokenTypeEmbeddings, types, PositionEmbeddings, positions,
                LayerNorm.Weight, LayerNorm.Bias, LayerNorm.Eps));
        }
        DeviceTensor sum;
        using (var words = pass.Scope(UploadEmbeds(pass, inputsEmbeds, shape)))
        using (var types = pass.Scope(Lookup(pass, TokenTypeEmbeddings, tokenTypeIds, shape)))
        {
            // torch adds (words + token types) first, then positions; float addition order matters at the last bit.
            sum = pass.Add(words, types);
        }
        using var summed = pass.Scope(sum);
        // Positions are looked up only now and added inside the LayerNorm (as its residual), so at most three
        // [tokens, E] buffers are alive at once instead of five.
        using var positionRows = pass.Scope(Lookup(pass, PositionEmbeddings, positionIds, shape));
        return LayerNorm.Forward(pass, summed, positionRows);
    }

    private DeviceTensor UploadEmbeds(IForwardPass pass, ReadOnlySpan<float> inputsEmbeds, ReadOnlySpan<int> shape)
    {
        Span<int> embedsShape = stackalloc int[shape.Length + 1];
        shape.CopyTo(embedsShape);
        embedsShape[^1] = WordEmbeddings.Shape[1];
        return pass.Upload(inputsEmbeds, embedsShape);
    }

    private static DeviceTensor Lookup(IForwardPass pass, DeviceTensor table, ReadOnlySpan<int> ids, ReadOnlySpan<int> shape)
    {
        using var uploaded = pass.Scope(pass.UploadInt(ids, shape));
        return pass.Gather(table, uploaded);
    }
}
