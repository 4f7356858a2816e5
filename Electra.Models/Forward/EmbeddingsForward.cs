using Electra.Core.Backend;
using Electra.Models.Layers;

namespace Electra.Models.Forward;

/// <summary>HF: ElectraEmbeddings.forward then embeddings_project: word + position + token type → LayerNorm → [Rows, S, H].</summary>
internal static class EmbeddingsForward
{
    public static DeviceTensor Run(IForwardPass pass, ElectraBody body, PreparedInputs inputs) =>
        Run(pass, body, inputs.InputIds is not null, inputs.InputIds.GetValueOrDefault().Span,
            inputs.InputsEmbeds.GetValueOrDefault().Span, inputs.PositionIds.Span, inputs.TokenTypeIds.Span, [inputs.Rows, inputs.Seq]);

    /// <summary>
    /// Embeds tokens given as flat values of the leading <paramref name="shape"/> (e.g. [Rows, S], or [T] for packed
    /// rows): ids (when <paramref name="fromIds"/>) or embeds (E values per token), positions and token types.
    /// </summary>
    public static DeviceTensor Run(IForwardPass pass, ElectraBody body, bool fromIds, ReadOnlySpan<int> inputIds,
        ReadOnlySpan<float> inputsEmbeds, ReadOnlySpan<int> positionIds, ReadOnlySpan<int> tokenTypeIds, ReadOnlySpan<int> shape)
    {
        var e = body.Embeddings;
        DeviceTensor words;
        if (fromIds)
        {
            words = Lookup(pass, e.WordEmbeddings, inputIds, shape);
        }
        else
        {
            Span<int> embedsShape = stackalloc int[shape.Length + 1];
            shape.CopyTo(embedsShape);
            embedsShape[^1] = e.WordEmbeddings.Shape[1];
            words = pass.Upload(inputsEmbeds, embedsShape);
        }
        var types = Lookup(pass, e.TokenTypeEmbeddings, tokenTypeIds, shape);
        // torch adds (words + token types) first, then positions; float addition order matters at the last bit.
        var sum = pass.Add(words, types);
        pass.Release(words);
        pass.Release(types);
        // Positions are looked up only now and added inside the LayerNorm (as its residual), so at most three
        // [tokens, E] buffers are alive at once instead of five.
        var positions = Lookup(pass, e.PositionEmbeddings, positionIds, shape);
        var normed = pass.LayerNorm(sum, positions, e.LayerNorm.Weight, e.LayerNorm.Bias, e.LayerNorm.Eps);
        pass.Release(sum);
        pass.Release(positions);
        if (body.EmbeddingsProject is null) return normed;
        var projected = pass.Linear(normed, body.EmbeddingsProject);
        pass.Release(normed);
        return projected;
    }

    private static DeviceTensor Lookup(IForwardPass pass, DeviceTensor table, ReadOnlySpan<int> ids, ReadOnlySpan<int> shape)
    {
        var uploaded = pass.UploadInt(ids, shape);
        var rows = pass.Gather(table, uploaded);
        pass.Release(uploaded);
        return rows;
    }
}
