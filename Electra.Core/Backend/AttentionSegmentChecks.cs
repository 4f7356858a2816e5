using System.Collections.Immutable;
using Electra.Core.Errors;
using Electra.Core.Tensors;

namespace Electra.Core.Backend;

/// <summary>The argument checks of <see cref="IForwardPass.AttentionSegments"/>, shared by every backend.</summary>
public static class AttentionSegmentChecks
{
    /// <summary>Checks shapes and segment offsets; returns (rows T, hidden H).</summary>
    /// <exception cref="InputException">a shape or an offset does not fit.</exception>
    public static (int Rows, int Hidden) Validate(DeviceTensor q, DeviceTensor k, DeviceTensor v, DeviceTensor keyMask,
        ImmutableArray<int> segmentStarts, int heads)
    {
        if (q.Rank != 2 || k.Rank != 2 || v.Rank != 2)
            throw new InputException($"AttentionSegments: q, k, v must be [T, H], got {TensorShape.Format(q.Shape)}, {TensorShape.Format(k.Shape)}, {TensorShape.Format(v.Shape)}");
        if (!q.Shape.SequenceEqual(k.Shape) || !q.Shape.SequenceEqual(v.Shape))
            throw new InputException($"AttentionSegments: q {TensorShape.Format(q.Shape)}, k {TensorShape.Format(k.Shape)} and v {TensorShape.Format(v.Shape)} must have the same shape");
        int rows = q.Shape[0], hidden = q.Shape[1];
        if (keyMask.Rank != 1 || keyMask.Shape[0] != rows)
            throw new InputException($"AttentionSegments: keyMask must be [{rows}], got {TensorShape.Format(keyMask.Shape)}");
        if (heads <= 0 || hidden % heads != 0)
            throw new InputException($"AttentionSegments: hidden size {hidden} is not a multiple of {heads} heads");
        if (segmentStarts.IsDefault || segmentStarts.Length < 1 || segmentStarts[0] != 0 || segmentStarts[^1] != rows)
            throw new InputException($"AttentionSegments: segment offsets must start at 0 and end at T = {rows}, got [{(segmentStarts.IsDefault ? "" : string.Join(", ", segmentStarts))}]");
        for (int i = 1; i < segmentStarts.Length; i++)
            if (segmentStarts[i] < segmentStarts[i - 1])
                throw new InputException($"AttentionSegments: segment offset {segmentStarts[i]} at index {i} is below the previous one {segmentStarts[i - 1]}");
        return (rows, hidden);
    }
}
