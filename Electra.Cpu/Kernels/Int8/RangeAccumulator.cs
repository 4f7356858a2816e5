using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Electra.Cpu.Kernels.Int8;

/// <summary>
/// The running range of many values, [min(0, ·), max(0, ·)] as DynamicQuantizeLinear sees it, kept in vectors and
/// reduced to two floats once, at the end (<see cref="Range"/>): reducing after every row (16 scalar min/max for a
/// row of 256) cost as much as the row's loads, and as much as a range pass of its own when a LayerNorm measured its
/// output. A NaN anywhere makes both ends NaN, so the scale is NaN and every output of the linear is NaN, as in float32. The default value is
/// the empty range [0, 0].
/// </summary>
internal unsafe struct RangeAccumulator
{
    Vector256<float> _min, _max, _nan;
    float _scalarMin, _scalarMax;

    /// <summary>Folds in eight values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(Vector256<float> v)
    {
        // MinNative/MaxNative are one vminps/vmaxps each (Vector256.Min/Max need a NaN and −0 fix-up); NaN has its own mask.
        _min = Vector256.MinNative(_min, v);
        _max = Vector256.MaxNative(_max, v);
        _nan |= ~Vector256.Equals(v, v);
    }

    /// <summary>Folds in one value (the tail of a row).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(float v)
    {
        _scalarMin = MathF.Min(_scalarMin, v);
        _scalarMax = MathF.Max(_scalarMax, v);
    }

    /// <summary>Folds in <paramref name="k"/> values from <paramref name="row"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(float* row, int k)
    {
        int i = 0;
        if (k >= 16)
        {
            // Two accumulators of each: the loop is bound by latency otherwise.
            Vector256<float> min0 = _min, max0 = _max, min1 = min0, max1 = max0, nan = _nan;
            for (; i + 16 <= k; i += 16)
            {
                var v0 = Vector256.Load(row + i);
                var v1 = Vector256.Load(row + i + 8);
                min0 = Vector256.MinNative(min0, v0); max0 = Vector256.MaxNative(max0, v0);
                min1 = Vector256.MinNative(min1, v1); max1 = Vector256.MaxNative(max1, v1);
                nan |= ~Vector256.Equals(v0, v0) | ~Vector256.Equals(v1, v1);
            }
            _min = Vector256.MinNative(min0, min1);
            _max = Vector256.MaxNative(max0, max1);
            _nan = nan;
        }
        for (; i + 8 <= k; i += 8) Add(Vector256.Load(row + i));
        for (; i < k; i++) Add(row[i]);
    }

    /// <summary>Folds in another accumulator's values.</summary>
    public void Add(in RangeAccumulator other)
    {
        _min = Vector256.MinNative(_min, other._min);
        _max = Vector256.MaxNative(_max, other._max);
        _nan |= other._nan;
        Add(other._scalarMin);
        Add(other._scalarMax);
    }

    /// <summary>The range of every value folded in, 0 included.</summary>
    public readonly ValueRange Range
    {
        get
        {
            if (_nan != Vector256<float>.Zero || float.IsNaN(_scalarMin) || float.IsNaN(_scalarMax))
                return new ValueRange(float.NaN, float.NaN);
            float min = _scalarMin, max = _scalarMax;
            for (int j = 0; j < Vector256<float>.Count; j++) { min = MathF.Min(min, _min[j]); max = MathF.Max(max, _max[j]); }
            return new ValueRange(min, max);
        }
    }
}
