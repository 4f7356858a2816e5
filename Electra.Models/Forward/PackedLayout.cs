using System.Collections.Immutable;
using Electra.Models.Heads;

namespace Electra.Models.Forward;

/// <summary>
/// Which token positions an unpadded (packed) forward computes, in what order, and how they map back.
/// Packed row i is flat position <see cref="Positions"/>[i] (row · S + token) of the [Rows, S] input; the rows of input
/// row r are the segment <c>SegmentStarts[r] .. SegmentStarts[r + 1] − 1</c>, in token order.
/// A row's real tokens (mask 1) are always computed. A row whose head-read position is padding is computed whole,
/// with its own mask, so that position comes out exactly as in the padded computation.
/// <para>
/// One layout is planned again for every forward into the same buffers (they grow with the input, never shrink), so
/// that a session plans without allocating; what it returns is valid until the next <see cref="TryPlan"/>.
/// Not thread-safe.
/// </para>
/// </summary>
internal sealed class PackedLayout
{
    int[] _positions = [], _starts = [], _readIndex = [];
    ImmutableArray<int> _segmentStarts = ImmutableArray<int>.Empty;
    float[] _keyMask = [];
    int _rows;
    bool _hasReadIndex;

    /// <summary>Packed rows T.</summary>
    public int Count { get; private set; }

    /// <summary>The flat input position of each packed row.</summary>
    public ReadOnlySpan<int> Positions => _positions.AsSpan(0, Count);

    /// <summary>
    /// N + 1 offsets of the input rows' segments: a truly immutable array (a later plan never changes it). A plan with
    /// the same offsets as the one before returns the same array, so a session repeating a batch allocates nothing.
    /// </summary>
    public ImmutableArray<int> SegmentStarts => _segmentStarts;

    /// <summary>The attention mask value of each packed row (0 only inside rows computed whole).</summary>
    public ReadOnlySpan<float> KeyMask => _keyMask.AsSpan(0, Count);

    /// <summary>Per input row, the packed row the head reads; empty for per-token heads.</summary>
    public ReadOnlySpan<int> ReadIndex => _hasReadIndex ? _readIndex.AsSpan(0, _rows) : default;

    /// <summary>
    /// Plans the layout for <paramref name="head"/>; false where packing cannot help or cannot be exact: no padding at
    /// all, a per-row head that would compute every position anyway, a head that pools every position (mean summary),
    /// or a head we do not know.
    /// </summary>
    public bool TryPlan(PreparedInputs inputs, Head head)
    {
        var mask = inputs.AttentionMask.Span;
        if (!mask.Contains(0)) return false;
        var read = head.ReadPosition(inputs.Seq);
        if (!read.Packable) return false;
        int? readPosition = read.Position;

        int rows = inputs.Rows, seq = inputs.Seq;
        Grow(ref _positions, mask.Length);
        Grow(ref _keyMask, mask.Length);
        Grow(ref _readIndex, rows);
        Grow(ref _starts, rows + 1);
        _rows = rows;
        _hasReadIndex = readPosition is not null;
        int count = 0;
        for (int r = 0; r < rows; r++)
        {
            _starts[r] = count;
            bool whole = readPosition is int p && mask[r * seq + p] == 0;
            for (int s = 0; s < seq; s++)
            {
                int flat = r * seq + s;
                if (!whole && mask[flat] == 0) continue;
                if (readPosition == s) _readIndex[r] = count;
                _positions[count] = flat;
                _keyMask[count] = mask[flat];
                count++;
            }
        }
        _starts[rows] = count;
        Count = count;
        // Per-row heads whose every padded row is read at a padded position (left padding): nothing to skip.
        if (readPosition is not null && count == mask.Length) return false;
        if (count == 0)
        {
            // Nothing is real and no head reads a position: compute row 0 whole anyway so that no backend op sees
            // zero rows; per-token outputs skip it because its mask is 0.
            for (int s = 0; s < seq; s++)
            {
                _positions[s] = s;
                _keyMask[s] = 0f;
            }
            for (int i = 1; i <= rows; i++) _starts[i] = seq;
            Count = seq;
        }
        var starts = _starts.AsSpan(0, rows + 1);
        if (!_segmentStarts.AsSpan().SequenceEqual(starts)) _segmentStarts = ImmutableArray.Create<int>(starts);
        return true;
    }

    static void Grow<T>(ref T[] buffer, int length)
    {
        if (buffer.Length < length) buffer = new T[length];
    }

    /// <summary>The packed rows' values of a per-position input of <paramref name="width"/> values each, into <paramref name="packed"/>.</summary>
    public void Pack<T>(ReadOnlySpan<T> perPosition, Span<T> packed, int width = 1)
    {
        var positions = Positions;
        for (int i = 0; i < positions.Length; i++)
            perPosition.Slice(positions[i] * width, width).CopyTo(packed.Slice(i * width, width));
    }

    /// <summary>
    /// Per-token outputs [T, width] → [Rows · S, width] in <paramref name="full"/>: the values of real positions, zeros at
    /// padded positions (including padded rows that were computed for a head read).
    /// </summary>
    public void Scatter(ReadOnlySpan<float> packed, Span<float> full, int width)
    {
        full.Clear();
        var positions = Positions;
        var keyMask = KeyMask;
        for (int i = 0; i < positions.Length; i++)
            if (keyMask[i] != 0f)
                packed.Slice(i * width, width).CopyTo(full.Slice(positions[i] * width, width));
    }
}
