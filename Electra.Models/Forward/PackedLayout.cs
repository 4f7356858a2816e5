using System.Collections.Immutable;
using Electra.Models.Heads;

namespace Electra.Models.Forward;

/// <summary>
/// Which token positions an unpadded (packed) forward computes, in what order, and how they map back.
/// Packed row i is flat position <see cref="Positions"/>[i] (row · S + token) of the [Rows, S] input; the rows of input
/// row r are the segment <c>SegmentStarts[r] .. SegmentStarts[r + 1] − 1</c>, in token order.
/// A row's real tokens (mask 1) are always computed. A row whose head-read position is padding is computed whole,
/// with its own mask, so that position comes out exactly as in the padded computation.
/// </summary>
/// <param name="KeyMask">the attention mask value of each packed row (0 only inside rows computed whole).</param>
/// <param name="ReadIndex">per input row, the packed row the head reads, or null for per-token heads.</param>
internal sealed record PackedLayout(int[] Positions, ImmutableArray<int> SegmentStarts, float[] KeyMask, int[]? ReadIndex)
{
    public int Count => Positions.Length;

    /// <summary>
    /// The layout for <paramref name="head"/>, or null where packing cannot help or cannot be exact: no padding at all,
    /// a per-row head that would compute every position anyway, a head that pools every position (mean summary), or a
    /// head we do not know.
    /// </summary>
    public static PackedLayout? Plan(PreparedInputs inputs, Head head)
    {
        if (!inputs.AttentionMask.Contains(0)) return null;
        if (!TryReadPosition(head, inputs.Seq, out int? readPosition)) return null;

        int rows = inputs.Rows, seq = inputs.Seq;
        var mask = inputs.AttentionMask;
        var positions = new List<int>(mask.Length);
        var keyMask = new List<float>(mask.Length);
        var starts = ImmutableArray.CreateBuilder<int>(rows + 1);
        var readIndex = readPosition is null ? null : new int[rows];
        for (int r = 0; r < rows; r++)
        {
            starts.Add(positions.Count);
            bool whole = readPosition is int p && mask[r * seq + p] == 0;
            for (int s = 0; s < seq; s++)
            {
                int flat = r * seq + s;
                if (!whole && mask[flat] == 0) continue;
                if (readPosition == s) readIndex![r] = positions.Count;
                positions.Add(flat);
                keyMask.Add(mask[flat]);
            }
        }
        starts.Add(positions.Count);
        // Per-row heads whose every padded row is read at a padded position (left padding): nothing to skip.
        if (readPosition is not null && positions.Count == mask.Length) return null;
        if (positions.Count == 0)
        {
            // Nothing is real and no head reads a position: compute row 0 whole anyway so that no backend op sees
            // zero rows; per-token outputs skip it because its mask is 0.
            for (int s = 0; s < seq; s++)
            {
                positions.Add(s);
                keyMask.Add(0f);
            }
            for (int i = 1; i < starts.Count; i++) starts[i] = seq;
        }
        return new PackedLayout([.. positions], starts.ToImmutable(), [.. keyMask], readIndex);
    }

    /// <summary>The position every row's head output comes from (null: per-token head); false when not packable.</summary>
    private static bool TryReadPosition(Head head, int seq, out int? position)
    {
        position = null;
        switch (head)
        {
            case NoHead or DiscriminatorHead or GeneratorHead or TokenClassificationHead or QuestionAnsweringHead:
                return true;
            case ClassificationHead:
                position = 0;
                return true;
            case MultipleChoiceHead m:
                // Mean pools every position, padding included (as transformers does): nothing can be skipped.
                position = HeadForward.SummaryPosition(m.Summary, seq);
                return position is not null;
            default:
                return false;
        }
    }

    public T[] Pack<T>(T[] perPosition, int width = 1)
    {
        var packed = new T[Count * width];
        for (int i = 0; i < Count; i++)
            Array.Copy(perPosition, (long)Positions[i] * width, packed, (long)i * width, width);
        return packed;
    }

    /// <summary>
    /// Per-token outputs [T, width] → [Rows · S, width]: the values of real positions, zeros at padded positions
    /// (including padded rows that were computed for a head read).
    /// </summary>
    public float[] Scatter(ReadOnlySpan<float> packed, int rowsTimesSeq, int width)
    {
        var full = new float[(long)rowsTimesSeq * width];
        for (int i = 0; i < Count; i++)
            if (KeyMask[i] != 0f)
                packed.Slice(i * width, width).CopyTo(full.AsSpan(Positions[i] * width, width));
        return full;
    }
}
