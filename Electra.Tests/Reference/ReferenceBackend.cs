using System.Collections.Immutable;
using Electra.Core.Backend;
using Electra.Core.Errors;
using Electra.Core.Tensors;

namespace Electra.Tests.Reference;

/// <summary>
/// A backend of plain scalar loops in double precision (<see cref="ReferenceOps"/>): slow, obviously correct, and the
/// one reference both the CPU and the Vulkan backends are compared against. Activations are kept in double between
/// operations; <see cref="ReferencePass.ReadExact"/> returns them unrounded. Its own correctness is checked by running
/// whole models on it against the transformers fixtures.
/// </summary>
public sealed class ReferenceBackend : IBackend
{
    public string Name => "reference";

    public string DeviceDescription => "scalar double-precision loops (tests only)";

    public DeviceTensor UploadWeight(HostTensor weight) => new ReferenceTensor(weight.Shape, ReferenceOps.Widen(weight.Span));

    public LinearWeight UploadLinear(HostTensor weight, HostTensor? bias)
    {
        if (weight.Shape.Length != 2) throw new InputException($"linear weight must be [Out, In], got {TensorShape.Format(weight.Shape)}");
        if (bias is not null && (bias.Shape.Length != 1 || bias.Shape[0] != weight.Shape[0]))
            throw new InputException($"linear bias must be [{weight.Shape[0]}], got {TensorShape.Format(bias.Shape)}");
        return new ReferenceLinear(weight.Shape[1], weight.Shape[0], ReferenceOps.Widen(weight.Span), bias is null ? null : ReferenceOps.Widen(bias.Span));
    }

    public IForwardPass BeginPass() => new ReferencePass(this);

    public void Dispose() { }
}

/// <summary>A tensor of <see cref="ReferenceBackend"/>: float values held as double, or int32 ids.</summary>
public sealed class ReferenceTensor : DeviceTensor
{
    public ReferenceTensor(ImmutableArray<int> shape, double[] values) : base(shape, DeviceDType.Float32) => Values = values;

    public ReferenceTensor(ImmutableArray<int> shape, int[] ints) : base(shape, DeviceDType.Int32) => Ints = ints;

    public double[] Values { get; } = [];

    public int[] Ints { get; } = [];
}

/// <summary>A linear layer of <see cref="ReferenceBackend"/>, in PyTorch layout.</summary>
public sealed class ReferenceLinear(int inFeatures, int outFeatures, double[] weight, double[]? bias)
    : LinearWeight(inFeatures, outFeatures, bias is not null)
{
    public double[] Weight { get; } = weight;

    public double[]? Bias { get; } = bias;
}

/// <summary>The forward pass of <see cref="ReferenceBackend"/>: each operation computes eagerly into a new tensor.</summary>
public sealed class ReferencePass(ReferenceBackend backend) : IForwardPass
{
    public IBackend Backend => backend;

    /// <summary>A float tensor's values before rounding to float32.</summary>
    public static double[] ReadExact(DeviceTensor tensor) => Of(tensor).Values;

    public DeviceTensor Upload(ReadOnlySpan<float> data, ReadOnlySpan<int> shape) => new ReferenceTensor([.. shape], ReferenceOps.Widen(data));

    public DeviceTensor UploadInt(ReadOnlySpan<int> data, ReadOnlySpan<int> shape) => new ReferenceTensor([.. shape], data.ToArray());

    public float[] Read(DeviceTensor tensor) => Array.ConvertAll(Of(tensor).Values, v => (float)v);

    public void Release(DeviceTensor tensor) { }

    public DeviceTensor Reshape(DeviceTensor x, ReadOnlySpan<int> shape)
    {
        var t = Of(x);
        if (TensorShape.ElementCount(shape) != t.ElementCount)
            throw new InputException($"cannot reshape {TensorShape.Format(t.Shape)} to {TensorShape.Format([.. shape])}");
        return t.DType == DeviceDType.Int32 ? new ReferenceTensor([.. shape], t.Ints) : new ReferenceTensor([.. shape], t.Values);
    }

    /// <summary>table [R, E], ids [...] → [..., E].</summary>
    public DeviceTensor Gather(DeviceTensor table, DeviceTensor ids)
    {
        var t = Of(table);
        int rows = t.Shape[0], width = t.Shape[1];
        var idx = Of(ids).Ints;
        var y = new double[idx.Length * width];
        for (int i = 0; i < idx.Length; i++)
        {
            if ((uint)idx[i] >= (uint)rows) throw new InputException($"index {idx[i]} at position {i} is outside the embedding table's [0, {rows})");
            for (int e = 0; e < width; e++) y[i * width + e] = t.Values[idx[i] * width + e];
        }
        return new ReferenceTensor(ids.Shape.Add(width), y);
    }

    public DeviceTensor Add(DeviceTensor a, DeviceTensor b)
    {
        var (x, y) = (Of(a).Values, Of(b).Values);
        if (!a.Shape.SequenceEqual(b.Shape)) throw new InputException($"add: {TensorShape.Format(a.Shape)} and {TensorShape.Format(b.Shape)} differ");
        var sum = new double[x.Length];
        for (int i = 0; i < x.Length; i++) sum[i] = x[i] + y[i];
        return new ReferenceTensor(a.Shape, sum);
    }

    /// <summary>[..., In] → [..., Out].</summary>
    public DeviceTensor Linear(DeviceTensor x, LinearWeight weight, Activation activation = Activation.Identity)
    {
        var w = (ReferenceLinear)weight;
        if (x.LastDim != w.InFeatures) throw new InputException($"linear: input {TensorShape.Format(x.Shape)} does not end in {w.InFeatures}");
        var (y, _) = ReferenceOps.Linear(Of(x).Values, w.Weight, w.Bias, (int)x.Rows, w.OutFeatures, w.InFeatures, activation);
        return new ReferenceTensor(x.Shape.SetItem(x.Rank - 1, w.OutFeatures), y);
    }

    public DeviceTensor Activate(DeviceTensor x, Activation activation) =>
        new ReferenceTensor(x.Shape, Array.ConvertAll(Of(x).Values, v => ReferenceOps.Activate(v, activation)));

    public DeviceTensor LayerNorm(DeviceTensor x, DeviceTensor? residual, DeviceTensor gamma, DeviceTensor beta, float eps) =>
        new ReferenceTensor(x.Shape, ReferenceOps.LayerNorm(Of(x).Values, residual is null ? default : Of(residual).Values,
            Of(gamma).Values, Of(beta).Values, x.LastDim, eps));

    /// <summary>q [B, Sq, H], k and v [B, Sk, H], keyMask [B, Sk] → context [B, Sq, H] (and probabilities [B, heads, Sq, Sk]).</summary>
    public AttentionResult Attention(DeviceTensor q, DeviceTensor k, DeviceTensor v, DeviceTensor keyMask, int heads, bool causal, bool returnProbabilities)
    {
        int batch = q.Shape[0], sq = q.Shape[1], sk = k.Shape[1], hidden = q.Shape[2];
        var (context, probs) = ReferenceOps.Attention(Of(q).Values, Of(k).Values, Of(v).Values, Of(keyMask).Values, batch, sq, sk, heads, hidden, causal);
        return new AttentionResult(new ReferenceTensor(q.Shape, context),
            returnProbabilities ? new ReferenceTensor([batch, heads, sq, sk], probs) : null);
    }

    /// <summary>Packed rows [T, H]: each segment is one sequence of <see cref="Attention"/>.</summary>
    public DeviceTensor AttentionSegments(DeviceTensor q, DeviceTensor k, DeviceTensor v, DeviceTensor keyMask,
        ImmutableArray<int> segmentStarts, int heads, bool causal)
    {
        var (rows, hidden) = AttentionSegmentChecks.Validate(q, k, v, keyMask, segmentStarts, heads);
        var context = new double[rows * hidden];
        for (int s = 0; s + 1 < segmentStarts.Length; s++)
        {
            int start = segmentStarts[s], length = segmentStarts[s + 1] - start;
            if (length == 0) continue;
            Span<double> RowsOf(DeviceTensor t) => Of(t).Values.AsSpan(start * hidden, length * hidden);
            var (segment, _) = ReferenceOps.Attention(RowsOf(q), RowsOf(k), RowsOf(v), Of(keyMask).Values.AsSpan(start, length),
                1, length, length, heads, hidden, causal);
            segment.CopyTo(context, start * hidden);
        }
        return new ReferenceTensor(q.Shape, context);
    }

    /// <summary>[B, S1, H] and [B, S2, H] → [B, S1 + S2, H].</summary>
    public DeviceTensor ConcatSequence(DeviceTensor first, DeviceTensor second)
    {
        int batch = first.Shape[0], s1 = first.Shape[1], s2 = second.Shape[1], hidden = first.Shape[2];
        if (second.Shape[0] != batch || second.Shape[2] != hidden)
            throw new InputException($"cannot concatenate {TensorShape.Format(first.Shape)} and {TensorShape.Format(second.Shape)} along the sequence");
        var y = new double[batch * (s1 + s2) * hidden];
        for (int b = 0; b < batch; b++)
        {
            Array.Copy(Of(first).Values, b * s1 * hidden, y, b * (s1 + s2) * hidden, s1 * hidden);
            Array.Copy(Of(second).Values, b * s2 * hidden, y, (b * (s1 + s2) + s1) * hidden, s2 * hidden);
        }
        return new ReferenceTensor([batch, s1 + s2, hidden], y);
    }

    /// <summary>x [B, S, H], positions [B] → [B, H].</summary>
    public DeviceTensor SelectPositions(DeviceTensor x, DeviceTensor positions)
    {
        int batch = x.Shape[0], seq = x.Shape[1], hidden = x.Shape[2];
        var pos = Of(positions).Ints;
        var y = new double[batch * hidden];
        for (int b = 0; b < batch; b++)
        {
            if ((uint)pos[b] >= (uint)seq) throw new InputException($"position {pos[b]} of row {b} is outside [0, {seq})");
            Array.Copy(Of(x).Values, (b * seq + pos[b]) * hidden, y, b * hidden, hidden);
        }
        return new ReferenceTensor([batch, hidden], y);
    }

    /// <summary>[B, S, H] → [B, H], the mean over every position.</summary>
    public DeviceTensor MeanOverSequence(DeviceTensor x)
    {
        int batch = x.Shape[0], seq = x.Shape[1], hidden = x.Shape[2];
        var y = new double[batch * hidden];
        for (int b = 0; b < batch; b++)
            for (int h = 0; h < hidden; h++)
            {
                double sum = 0;
                for (int s = 0; s < seq; s++) sum += Of(x).Values[(b * seq + s) * hidden + h];
                y[b * hidden + h] = sum / seq;
            }
        return new ReferenceTensor([batch, hidden], y);
    }

    public void Dispose() { }

    private static ReferenceTensor Of(DeviceTensor tensor) =>
        tensor as ReferenceTensor ?? throw new InputException($"{tensor} does not belong to the reference backend");
}
