using System.Collections.Immutable;
using Electra.Core.Errors;
using Electra.Core.Tensors;

namespace Electra.Core.Backend;

/// <summary>
/// How <see cref="IForwardPass.PoolSegments"/> reduces the rows of one segment (one sequence of a packed batch) to one
/// row. Each row has a weight (the attention mask, or mask · position for a position-weighted mean); a row of weight 0
/// is left out. These are the reductions of sentence-transformers' <c>Pooling</c> module.
/// </summary>
public enum SegmentPooling
{
    /// <summary>The segment's first row, whatever its weight (sentence-transformers' <c>cls</c>); zeros for an empty segment.</summary>
    First,

    /// <summary>
    /// The last row of non-zero weight (sentence-transformers' <c>lasttoken</c>); zeros when every weight is 0.
    /// </summary>
    Last,

    /// <summary>Σ wᵢ·xᵢ / max(Σ wᵢ, 1e-9) (<c>mean</c>, and <c>weightedmean</c> with position weights).</summary>
    Mean,

    /// <summary>Σ wᵢ·xᵢ / √max(Σ wᵢ, 1e-9) (<c>mean_sqrt_len_tokens</c>).</summary>
    MeanSqrtLength,

    /// <summary>
    /// Per column, the maximum over the segment's rows, a row of weight 0 counting as −1e9 (<c>max</c>); −1e9 for an
    /// empty segment.
    /// </summary>
    Max,
}

/// <summary>
/// The plain host definition of <see cref="IForwardPass.PoolSegments"/> with its argument checks: the reference every
/// backend's pooling is tested against, and what a backend without its own pooling runs.
/// </summary>
public static class SegmentPoolingReference
{
    /// <summary>sentence-transformers' floor of a weight sum (<c>torch.clamp(sum_mask, min=1e-9)</c>).</summary>
    public const float MinWeightSum = 1e-9f;

    /// <summary>sentence-transformers' value of an excluded row in max pooling.</summary>
    public const float ExcludedMax = -1e9f;

    /// <summary>Checks the arguments of a pooling; returns (rows T, width H, segments N).</summary>
    /// <exception cref="InputException">a shape or an offset does not fit.</exception>
    public static (int Rows, int Width, int Segments) Validate(DeviceTensor x, DeviceTensor weights, ImmutableArray<int> segmentStarts)
    {
        if (x.Rank != 2) throw new InputException($"PoolSegments: x must be [T, H], got {TensorShape.Format(x.Shape)}");
        int rows = x.Shape[0], width = x.Shape[1];
        if (weights.Rank != 1 || weights.Shape[0] != rows || weights.DType != DeviceDType.Float32)
            throw new InputException($"PoolSegments: weights must be float [{rows}], got {weights.DType} {TensorShape.Format(weights.Shape)}");
        CheckOffsets(segmentStarts, rows);
        return (rows, width, segmentStarts.Length - 1);
    }

    /// <exception cref="InputException">the offsets do not start at 0, end at <paramref name="rows"/> and ascend.</exception>
    public static void CheckOffsets(ImmutableArray<int> segmentStarts, int rows)
    {
        if (segmentStarts.IsDefault || segmentStarts.Length < 1 || segmentStarts[0] != 0 || segmentStarts[^1] != rows)
            throw new InputException($"PoolSegments: segment offsets must start at 0 and end at T = {rows}, got [{(segmentStarts.IsDefault ? "" : string.Join(", ", segmentStarts))}]");
        for (int i = 1; i < segmentStarts.Length; i++)
            if (segmentStarts[i] < segmentStarts[i - 1])
                throw new InputException($"PoolSegments: segment offset {segmentStarts[i]} at index {i} is below the previous one {segmentStarts[i - 1]}");
    }

    /// <summary>
    /// The default <see cref="IForwardPass.PoolSegments"/>: reads x and the weights back from <paramref name="pass"/>,
    /// pools on the host and uploads the result.
    /// </summary>
    public static DeviceTensor PoolOnHost(IForwardPass pass, DeviceTensor x, DeviceTensor weights, ImmutableArray<int> segmentStarts,
        SegmentPooling pooling)
    {
        var (_, width, segments) = Validate(x, weights, segmentStarts);
        var pooled = new float[(long)segments * width];
        Pool(pass.Read(x), pass.Read(weights), width, segmentStarts, pooling, pooled);
        return pass.Upload(pooled, [segments, width]);
    }

    /// <summary>
    /// Pools <paramref name="x"/> ([T, <paramref name="width"/>] row-major) per segment into <paramref name="destination"/>
    /// ([N, width]). Sums are accumulated in double precision.
    /// </summary>
    /// <exception cref="InputException">lengths or offsets do not fit.</exception>
    public static void Pool(ReadOnlySpan<float> x, ReadOnlySpan<float> weights, int width, ImmutableArray<int> segmentStarts,
        SegmentPooling pooling, Span<float> destination)
    {
        int rows = weights.Length;
        CheckOffsets(segmentStarts, rows);
        int segments = segmentStarts.Length - 1;
        if (width < 0 || x.Length != (long)rows * width || destination.Length != (long)segments * width)
            throw new InputException($"PoolSegments: {x.Length} values for {rows} rows of {width} and {destination.Length} for {segments} segments do not fit");
        for (int s = 0; s < segments; s++)
            PoolOne(x, weights, width, segmentStarts[s], segmentStarts[s + 1], pooling, destination.Slice(s * width, width));
    }

    private static void PoolOne(ReadOnlySpan<float> x, ReadOnlySpan<float> w, int width, int start, int end,
        SegmentPooling pooling, Span<float> o)
    {
        switch (pooling)
        {
            case SegmentPooling.First:
                if (end > start) x.Slice(start * width, width).CopyTo(o);
                else o.Clear();
                return;
            case SegmentPooling.Last:
            {
                int last = -1;
                for (int r = end - 1; r >= start && last < 0; r--)
                    if (w[r] != 0f) last = r;
                if (last >= 0) x.Slice(last * width, width).CopyTo(o);
                else o.Clear();
                return;
            }
            case SegmentPooling.Max:
                for (int j = 0; j < width; j++)
                {
                    float best = ExcludedMax;
                    for (int r = start; r < end; r++)
                        best = Math.Max(best, w[r] != 0f ? x[r * width + j] : ExcludedMax);
                    o[j] = best;
                }
                return;
            case SegmentPooling.Mean or SegmentPooling.MeanSqrtLength:
            {
                double total = 0;
                for (int r = start; r < end; r++) total += w[r];
                double divisor = Math.Max(total, MinWeightSum);
                if (pooling == SegmentPooling.MeanSqrtLength) divisor = Math.Sqrt(divisor);
                for (int j = 0; j < width; j++)
                {
                    double sum = 0;
                    for (int r = start; r < end; r++) sum += (double)w[r] * x[r * width + j];
                    o[j] = (float)(sum / divisor);
                }
                return;
            }
            default:
                throw new InputException($"PoolSegments: unknown pooling {pooling}");
        }
    }
}
