using System.Collections.Immutable;
using Electra.Core.Backend;

namespace Electra.Models.Forward;

/// <summary>One pooling of a packed batch: how its segments are reduced and the weight of each packed row.</summary>
internal readonly record struct SegmentPoolingSpec(SegmentPooling Pooling, float[] Weights);

/// <summary>
/// Sentence embeddings without padding and without reading hidden states back: the rows of a batch are packed end to
/// end ([T] tokens, one segment per sequence), run through the embeddings and the encoder, and each pooling reduces
/// the last hidden state [T, H] to [N, H] on the backend (<see cref="IForwardPass.PoolSegments"/>); only the pooled
/// rows are read.
/// </summary>
internal static class PooledForward
{
    /// <param name="model">Its body runs; the head (if any) does not.</param>
    /// <param name="ids">Packed token ids [T].</param>
    /// <param name="tokenTypes">Packed token types [T].</param>
    /// <param name="positions">Packed position ids [T] (0, 1, ... within each sequence).</param>
    /// <param name="segmentStarts">N + 1 ascending offsets of the sequences, the first 0 and the last T.</param>
    /// <param name="poolings">The reductions to run on the last hidden state.</param>
    /// <param name="cancellationToken">Checked before every layer.</param>
    /// <returns>Per pooling, [N, H] row-major.</returns>
    public static float[][] Run(ElectraPretrained model, ReadOnlySpan<int> ids, ReadOnlySpan<int> tokenTypes,
        ReadOnlySpan<int> positions, ImmutableArray<int> segmentStarts, IReadOnlyList<SegmentPoolingSpec> poolings,
        CancellationToken cancellationToken)
    {
        int count = ids.Length;
        using var pass = model.Backend.BeginPass();
        var embedded = model.Body.Embed(pass, true, ids, default, positions, tokenTypes, [count]);
        var ones = new float[count];
        Array.Fill(ones, 1f);
        DeviceTensor encoded;
        using (var mask = pass.Scope(pass.Upload(ones, [count])))
            encoded = model.Body.Encoder.ForwardPacked(pass, embedded, mask, segmentStarts, cancellationToken);
        using var hidden = pass.Scope(encoded);
        var results = new float[poolings.Count][];
        for (int p = 0; p < poolings.Count; p++)
        {
            using var weights = pass.Scope(pass.Upload(poolings[p].Weights, [count]));
            using var pooled = pass.Scope(pass.PoolSegments(hidden, weights, segmentStarts, poolings[p].Pooling));
            results[p] = pass.Read(pooled);
        }
        return results;
    }
}
