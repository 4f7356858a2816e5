using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Electra.Cpu.Kernels;

/// <summary>
/// The rows of q, k and v that a thread's next attention tile will read, fetched into its caches while the current
/// tile computes its softmax. A batch's q, k and v (4 MiB each at 32 × 128 × 256) live in L3, and a head's rows are
/// 256 bytes every 1 KiB, a stride the hardware prefetchers follow poorly (few rows per 4 KiB page), so without
/// this the K and V packing and the first products of every head wait on L3 row by row.
/// </summary>
internal readonly unsafe struct AttentionPrefetch
{
    readonly float* _q, _k, _v;
    readonly long _qStride, _kStride, _vStride;
    readonly int _queries, _keys, _firstKeyRow, _endKeyRow, _rowFloats;

    /// <summary>Rows of <paramref name="rowFloats"/> floats: <paramref name="queries"/> of q, and rows
    /// [<paramref name="firstKeyRow"/>, <paramref name="endKeyRow"/>) of k's <paramref name="keys"/> rows followed by
    /// v's; strides in floats.</summary>
    public AttentionPrefetch(float* q, long qStride, int queries, float* k, long kStride, float* v, long vStride, int keys,
        int firstKeyRow, int endKeyRow, int rowFloats)
    {
        _q = q; _qStride = qStride; _queries = queries;
        _k = k; _kStride = kStride; _v = v; _vStride = vStride; _keys = keys;
        _firstKeyRow = firstKeyRow; _endKeyRow = endKeyRow;
        _rowFloats = rowFloats;
    }

    /// <summary>Prefetches part <paramref name="part"/> of <paramref name="parts"/> (spread over the softmax's rows,
    /// so that the fetches overlap arithmetic instead of filling the miss queues at once).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Fetch(int part, int parts)
    {
        if (!Sse.IsSupported || _rowFloats == 0) return;
        int rows = _queries + _endKeyRow - _firstKeyRow;
        int first = (int)((long)part * rows / parts), end = (int)((long)(part + 1) * rows / parts);
        for (int i = first; i < end; i++)
        {
            int j = i - _queries + _firstKeyRow;
            float* row = i < _queries ? _q + i * _qStride : j < _keys ? _k + j * _kStride : _v + (j - _keys) * _vStride;
            FetchRow(row);
        }
    }

    void FetchRow(float* row)
    {
        // Every cache line the row touches.
        byte* last = (byte*)(row + _rowFloats) - 1;
        for (byte* line = (byte*)((nint)row & ~63); line <= last; line += 64) Sse.Prefetch0(line);
    }
}
