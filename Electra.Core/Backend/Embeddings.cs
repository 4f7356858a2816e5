namespace Electra.Core.Backend;

/// <summary>
/// The tables and ids of one <see cref="IForwardPass.Embed"/> call (HF's ElectraEmbeddings, BertEmbeddings).
/// Tables are [rows, E]; the three id tensors are int32 of one shape [...] with values inside their table. A struct, so
/// that a forward that embeds every time allocates nothing for it.
/// </summary>
/// <param name="WordTable">word_embeddings.weight [vocab, E].</param>
/// <param name="InputIds">The token ids.</param>
/// <param name="TokenTypeTable">token_type_embeddings.weight [types, E].</param>
/// <param name="TokenTypeIds">The token types (segment ids).</param>
/// <param name="PositionTable">position_embeddings.weight [positions, E].</param>
/// <param name="PositionIds">The positions.</param>
/// <param name="Gamma">LayerNorm.weight [E].</param>
/// <param name="Beta">LayerNorm.bias [E].</param>
/// <param name="Eps">layer_norm_eps.</param>
public readonly record struct EmbeddingInputs(DeviceTensor WordTable, DeviceTensor InputIds, DeviceTensor TokenTypeTable,
    DeviceTensor TokenTypeIds, DeviceTensor PositionTable, DeviceTensor PositionIds, DeviceTensor Gamma, DeviceTensor Beta, float Eps);

/// <summary>The embeddings composed of a pass's own operations: what <see cref="IForwardPass.Embed"/> does by default.</summary>
public static class EmbeddingsReference
{
    /// <summary>
    /// LayerNorm((words[ids] + types[typeIds]) + positions[positionIds]): torch adds words and token types first, then
    /// positions (as the LayerNorm's residual, so at most three [tokens, E] tensors are alive at once).
    /// </summary>
    public static DeviceTensor Compose(IForwardPass pass, EmbeddingInputs e)
    {
        ArgumentNullException.ThrowIfNull(pass);
        var words = pass.Gather(e.WordTable, e.InputIds);
        DeviceTensor sum;
        try
        {
            var types = pass.Gather(e.TokenTypeTable, e.TokenTypeIds);
            try { sum = pass.Add(words, types); }
            finally { pass.Release(types); }
        }
        finally { pass.Release(words); }
        try
        {
            var positions = pass.Gather(e.PositionTable, e.PositionIds);
            try { return pass.LayerNorm(sum, positions, e.Gamma, e.Beta, e.Eps); }
            finally { pass.Release(positions); }
        }
        finally { pass.Release(sum); }
    }
}
