using Electra.Core.Backend;
using Electra.Core.Configuration;
using Electra.Core.Errors;

namespace Electra.Models.Forward;

/// <summary>
/// A forward of a <see cref="RaggedBatch"/>: the rows' tokens, packed end to end ([T], one segment per row), run
/// through the embeddings and the encoder with attention inside each segment, then the head on [T, H]. Nothing is
/// padded, so nothing is stripped or put back.
/// </summary>
internal static class RaggedForward
{
    /// <returns>The head's per-row outputs.</returns>
    public static RowOutputs Run(ElectraPretrained model, RaggedBatch batch, CancellationToken cancellationToken)
    {
        using var pass = model.Backend.BeginPass();
        using var hidden = pass.Scope(Encode(model, pass, batch, cancellationToken));
        cancellationToken.ThrowIfCancellationRequested();
        return model.Head.ForwardRows(new RowRun(pass, batch), hidden);
    }

    /// <summary>The last hidden state [T, H] of the batch's rows, owned by the caller; the batch is checked first.</summary>
    /// <exception cref="InputException">an id, token type or row length the model cannot take.</exception>
    public static DeviceTensor Encode(ElectraPretrained model, IForwardPass pass, RaggedBatch batch, CancellationToken cancellationToken)
    {
        Check(batch, model.Config);
        int count = batch.TokenCount;
        var embedded = model.Body.Embed(pass, true, batch.InputIds.AsSpan(), default, batch.Positions(), batch.TokenTypeIds.AsSpan(), [count]);
        // Every packed token is real: the key mask is all ones (attention stays inside each row's segment).
        var ones = new float[count];
        Array.Fill(ones, 1f);
        using var mask = pass.Scope(pass.Upload(ones, [count]));
        return model.Body.Encoder.ForwardPacked(pass, embedded, mask, batch.RowStarts, cancellationToken);
    }

    /// <summary>Range checks, so that no kernel sees a bad index (the padded path's checks, per row).</summary>
    private static void Check(RaggedBatch batch, ElectraConfig config)
    {
        for (int r = 0; r < batch.Count; r++)
        {
            int start = batch.RowStarts[r], length = batch.RowLength(r);
            if (length > config.MaxPositionEmbeddings)
                throw new InputException($"row {r}: sequence length {length} exceeds max_position_embeddings {config.MaxPositionEmbeddings}; truncate the input");
            for (int t = 0; t < length; t++)
            {
                if ((uint)batch.InputIds[start + t] >= (uint)config.VocabSize)
                    throw new InputException($"input_ids: id {batch.InputIds[start + t]} at row {r}, token {t} is outside the vocabulary [0, {config.VocabSize})");
                if ((uint)batch.TokenTypeIds[start + t] >= (uint)config.TypeVocabSize)
                    throw new InputException($"token_type_ids: value {batch.TokenTypeIds[start + t]} at row {r}, token {t} is outside [0, {config.TypeVocabSize})");
            }
        }
    }
}
