using Electra.Core.Backend;
using Electra.Models.Layers;

namespace Electra.Models.Forward;

/// <summary>HF: ElectraEmbeddings.forward then embeddings_project: word + position + token type → LayerNorm → [Rows, S, H].</summary>
internal static class EmbeddingsForward
{
    public static DeviceTensor Run(IForwardPass pass, ElectraBody body, PreparedInputs inputs) =>
        Run(pass, body, inputs.InputIds, inputs.InputsEmbeds, inputs.PositionIds, inputs.TokenTypeIds, [inputs.Rows, inputs.Seq]);

    /// <summary>
    /// Embeds tokens given as flat arrays of the leading <paramref name="shape"/> (e.g. [Rows, S], or [T] for packed
    /// rows): ids or embeds (E values per token), positions and token types.
    /// </summary>
    public static DeviceTensor Run(IForwardPass pass, ElectraBody body, int[]? inputIds, float[]? inputsEmbeds,
        int[] positionIds, int[] tokenTypeIds, int[] shape)
    {
        var e = body.Embeddings;
        var words = inputIds is { } ids
            ? pass.Gather(e.WordEmbeddings, pass.UploadInt(ids, shape))
            : pass.Upload(inputsEmbeds!, [.. shape, e.WordEmbeddings.Shape[1]]);
        var positions = pass.Gather(e.PositionEmbeddings, pass.UploadInt(positionIds, shape));
        var types = pass.Gather(e.TokenTypeEmbeddings, pass.UploadInt(tokenTypeIds, shape));
        // torch adds (words + token types) first, then positions; float addition order matters at the last bit.
        var sum = pass.Add(words, types);
        var all = pass.Add(sum, positions);
        var normed = pass.LayerNorm(all, null, e.LayerNorm.Weight, e.LayerNorm.Bias, e.LayerNorm.Eps);
        foreach (var t in new[] { words, positions, types, sum, all }) pass.Release(t);
        if (body.EmbeddingsProject is null) return normed;
        var projected = pass.Linear(normed, body.EmbeddingsProject);
        pass.Release(normed);
        return projected;
    }
}
