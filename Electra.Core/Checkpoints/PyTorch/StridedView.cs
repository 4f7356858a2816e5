using System.Collections.Immutable;

namespace Electra.Core.Checkpoints.PyTorch;

/// <summary>
/// Element addressing of a strided tensor view: element (i0, ..., in) of the view is storage element
/// <c>offset + Σ ik·stride[k]</c>, as in torch.
/// </summary>
internal static class StridedView
{
    /// <summary>
    /// One past the last storage element the view touches (the offset itself for an empty view).
    /// Throws <see cref="InvalidPickleValueException"/> for negative sizes, strides or offset, or on overflow.
    /// </summary>
    public static long StorageExtent(long offset, ImmutableArray<long> size, ImmutableArray<long> stride)
    {
        if (offset < 0) throw new InvalidPickleValueException($"negative storage offset {offset}");
        for (int k = 0; k < size.Length; k++)
        {
            if (size[k] < 0) throw new InvalidPickleValueException($"negative size {size[k]} in dimension {k}");
            if (stride[k] < 0) throw new InvalidPickleValueException($"negative stride {stride[k]} in dimension {k}");
        }
        if (size.Any(d => d == 0)) return offset;
        try
        {
            long last = offset;
            for (int k = 0; k < size.Length; k++) last = checked(last + (size[k] - 1) * stride[k]);
            return checked(last + 1);
        }
        catch (OverflowException)
        {
            throw new InvalidPickleValueException("size and stride address beyond 2^63 elements");
        }
    }

    /// <summary>True when the view is the row-major (C-contiguous) layout, so it is one slice of the storage.</summary>
    public static bool IsContiguous(ImmutableArray<long> size, ImmutableArray<long> stride)
    {
        long expected = 1;
        for (int k = size.Length - 1; k >= 0; k--)
        {
            // Dimensions of size 1 may carry any stride (torch does not normalise them).
            if (size[k] != 1 && stride[k] != expected) return false;
            expected *= size[k];
        }
        return true;
    }

    /// <summary>
    /// Copies the view out of <paramref name="storage"/>, whose element 0 is storage element <paramref name="baseIndex"/>,
    /// into a row-major array.
    /// </summary>
    public static float[] Gather(ReadOnlySpan<float> storage, long baseIndex, long offset, ImmutableArray<long> size, ImmutableArray<long> stride)
    {
        long count = size.Aggregate(1L, (a, d) => a * d);
        var result = new float[count];
        if (count == 0) return result;
        int rank = size.Length;
        if (IsContiguous(size, stride))
        {
            storage.Slice((int)(offset - baseIndex), (int)count).CopyTo(result);
            return result;
        }
        // Odometer over the index; the innermost dimension is a strided run.
        var index = new long[rank];
        long inner = size[rank - 1], innerStride = stride[rank - 1];
        long position = offset - baseIndex;
        for (long written = 0; written < count; written += inner)
        {
            for (long i = 0; i < inner; i++) result[written + i] = storage[(int)(position + i * innerStride)];
            for (int k = rank - 2; k >= 0; k--)
            {
                position += stride[k];
                if (++index[k] < size[k]) break;
                position -= stride[k] * size[k];
                index[k] = 0;
            }
        }
        return result;
    }
}
