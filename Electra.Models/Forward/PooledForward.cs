using Electra.Core.Backend;
using Electra.Core.Tensors;

namespace Electra.Models.Forward;

/// <summary>One pooling of a ragged batch: how its rows are reduced and the weight of each packed token.</summary>
internal readonly record struct SegmentPoolingSpec(SegmentPooling Pooling, float[] Weights);

/// <summary>
/// Sentence embeddings without reading hidden states back: a <see cref="RaggedBatch"/> runs through the embeddings
/// and the encoder (<see cref="RaggedForward.Encode"/>), and each pooling reduces the last hidden state [T, H] to
/// [N, H] on the backend (<see cref="IForwardPass.PoolSegments"/>); only the pooled rows are read.
/// </summary>
internal static class PooledForward
{
    /// <param name="model">Its body runs; the head (if any) does not.</param>
    /// <param name="batch">The rows, one segment each.</param>
    /// <param name="poolings">The reductions to run on the last hidden state.</param>
    /// <param name="cancellationToken">Checked before every layer.</param>
    /// <returns>Per pooling, a vector per row.</returns>
    public static RowValues[] Run(ElectraPretrained model, RaggedBatch batch, IReadOnlyList<SegmentPoolingSpec> poolings,
        CancellationToken cancellationToken)
    {
        using var pass = model.Backend.BeginPass();
        using var hidden = pass.Scope(RaggedForward.Encode(model, pass, batch, cancellationToken));
        var results = new RowValues[poolings.Count];
        for (int p = 0; p < poolings.Count; p++)
        {
            using var weights = pass.Scope(pass.Upload(poolings[p].Weights, [batch.TokenCount]));
            using var pooled = pass.Scope(pass.PoolSegments(hidden, weights, batch.RowStarts, poolings[p].Pooling));
            results[p] = new RowValues(new HostTensor(pooled.Tensor.Shape, pass.Read(pooled)));
        }
        return results;
    }
}
