using Electra.Core.Backend;
using Electra.Models.Layers;

namespace Electra.Models.Forward;

/// <summary>HF: ElectraEmbeddings.forward then embeddings_project: word + position + token type → LayerNorm → [Rows, S, H].</summary>
internal static class EmbeddingsForward
{
    public static DeviceTensor Run(IForwardPass pass, ElectraBody body, PreparedInputs inputs)
    {
        var e = body.Embeddings;
        int[] shape = [inputs.Rows, inputs.Seq];
        var words = inputs.InputIds is { } ids
            ? pass.Gather(e.WordEmbeddings, pass.UploadInt(ids, shape))
            : pass.Upload(inputs.InputsEmbeds!, [inputs.Rows, inputs.Seq, e.WordEmbeddings.Shape[1]]);
        var positions = pass.Gather(e.PositionEmbeddings, pass.UploadInt(inputs.PositionIds, shape));
        var types = pass.Gather(e.TokenTypeEmbeddings, pass.UploadInt(inputs.TokenTypeIds, shape));
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
