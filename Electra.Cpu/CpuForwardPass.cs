using System.Collections.Immutable;
using System.Numerics.Tensors;
using Electra.Core.Backend;
using Electra.Core.Tensors;
using Electra.Cpu.Kernels;

namespace Electra.Cpu;

/// <summary>A forward pass of the CPU backend; every operation runs eagerly.</summary>
internal sealed class CpuForwardPass(CpuBackend backend) : IForwardPass
{
    public IBackend Backend => backend;

    public DeviceTensor Upload(ReadOnlySpan<float> data, ReadOnlySpan<int> shape)
    {
        CheckCount(data.Length, shape);
        return new CpuTensor(CpuBackend.ShapeOf(shape), data.ToArray());
    }

    public DeviceTensor UploadInt(ReadOnlySpan<int> data, ReadOnlySpan<int> shape)
    {
        CheckCount(data.Length, shape);
        return new CpuTensor(CpuBackend.ShapeOf(shape), data.ToArray());
    }

    public float[] Read(DeviceTensor tensor) => Cpu(tensor).Floats.ToArray();

    public void Release(DeviceTensor tensor) { }

    public DeviceTensor Reshape(DeviceTensor x, ReadOnlySpan<int> shape)
    {
        var t = Cpu(x);
        CheckCount(t.ElementCount, shape);
        return t.DType == DeviceDType.Float32
            ? new CpuTensor(CpuBackend.ShapeOf(shape), t.FloatMemory)
            : new CpuTensor(CpuBackend.ShapeOf(shape), t.IntMemory);
    }

    public DeviceTensor Gather(DeviceTensor table, DeviceTensor ids)
    {
        var t = Cpu(table);
        var idx = Cpu(ids).Ints;
        if (t.Rank != 2) throw new ArgumentException($"gather table must be [R, E], got {TensorShape.Format(t.Shape)}");
        int rows = t.Shape[0], width = t.Shape[1];
        var result = new float[idx.Length * width];
        var src = t.Floats;
        for (int i = 0; i < idx.Length; i++)
        {
            int id = idx[i];
            if ((uint)id >= (uint)rows) throw new ArgumentOutOfRangeException(nameof(ids), $"index {id} at position {i} is outside [0, {rows})");
            src.Slice(id * width, width).CopyTo(result.AsSpan(i * width, width));
        }
        return new CpuTensor(ids.Shape.Add(width), result);
    }

    public DeviceTensor Add(DeviceTensor a, DeviceTensor b)
    {
        SameShape(a, b, "add");
        var result = new float[a.ElementCount];
        TensorPrimitives.Add(Cpu(a).Floats, Cpu(b).Floats, result);
        return new CpuTensor(a.Shape, result);
    }

    public DeviceTensor Linear(DeviceTensor x, LinearWeight weight, Activation activation = Activation.Identity)
    {
        var w = (CpuLinearWeight)weight;
        if (x.LastDim != w.InFeatures)
            throw new ArgumentException($"linear expects last dimension {w.InFeatures}, got {TensorShape.Format(x.Shape)}");
        int m = (int)x.Rows;
        var result = new float[(long)m * w.OutFeatures];
        LinearKernel.Forward(Cpu(x).Floats, w.Weight.Span, w.Bias is { } b ? b.Span : default, m, w.InFeatures, w.OutFeatures, activation, result);
        return new CpuTensor(x.Shape.SetItem(x.Rank - 1, w.OutFeatures), result);
    }

    public DeviceTensor Activate(DeviceTensor x, Activation activation)
    {
        var result = Cpu(x).Floats.ToArray();
        ActivationKernels.Apply(activation, result);
        return new CpuTensor(x.Shape, result);
    }

    public DeviceTensor LayerNorm(DeviceTensor x, DeviceTensor? residual, DeviceTensor gamma, DeviceTensor beta, float eps)
    {
        if (residual is not null) SameShape(x, residual, "layer norm residual");
        if (gamma.ElementCount != x.LastDim || beta.ElementCount != x.LastDim)
            throw new ArgumentException($"layer norm over {x.LastDim} features got gamma {TensorShape.Format(gamma.Shape)} and beta {TensorShape.Format(beta.Shape)}");
        var result = new float[x.ElementCount];
        LayerNormKernel.Forward(Cpu(x).Floats, residual is null ? default : Cpu(residual).Floats, Cpu(gamma).Floats, Cpu(beta).Floats, eps, result);
        return new CpuTensor(x.Shape, result);
    }

    public AttentionResult Attention(DeviceTensor q, DeviceTensor k, DeviceTensor v, DeviceTensor keyMask, int heads,
        bool causal, bool returnProbabilities)
    {
        if (q.Rank != 3 || k.Rank != 3 || v.Rank != 3)
            throw new ArgumentException($"attention expects [B, S, H] tensors, got q {TensorShape.Format(q.Shape)}, k {TensorShape.Format(k.Shape)}, v {TensorShape.Format(v.Shape)}");
        SameShape(k, v, "attention keys and values");
        int batch = q.Shape[0], sq = q.Shape[1], hidden = q.Shape[2], sk = k.Shape[1];
        if (k.Shape[0] != batch || k.Shape[2] != hidden)
            throw new ArgumentException($"attention keys {TensorShape.Format(k.Shape)} do not fit queries {TensorShape.Format(q.Shape)}");
        if (keyMask.Rank != 2 || keyMask.Shape[0] != batch || keyMask.Shape[1] != sk)
            throw new ArgumentException($"attention mask must be [{batch}, {sk}], got {TensorShape.Format(keyMask.Shape)}");
        if (hidden % heads != 0) throw new ArgumentException($"hidden size {hidden} is not a multiple of {heads} heads");

        var context = new float[(long)batch * sq * hidden];
        var probs = returnProbabilities ? new float[(long)batch * heads * sq * sk] : null;
        var qs = Cpu(q).FloatMemory;
        var ks = Cpu(k).FloatMemory;
        var vs = Cpu(v).FloatMemory;
        var ms = Cpu(keyMask).FloatMemory;
        Parallel.For(0, batch, new ParallelOptions { MaxDegreeOfParallelism = backend.Threads }, b =>
        {
            AttentionKernel.Forward(
                qs.Span.Slice(b * sq * hidden, sq * hidden),
                ks.Span.Slice(b * sk * hidden, sk * hidden),
                vs.Span.Slice(b * sk * hidden, sk * hidden),
                ms.Span.Slice(b * sk, sk), sq, sk, hidden, heads, causal,
                context.AsSpan(b * sq * hidden, sq * hidden),
                probs is null ? default : probs.AsSpan(b * heads * sq * sk, heads * sq * sk));
        });
        return new AttentionResult(
            new CpuTensor(q.Shape, context),
            probs is null ? null : new CpuTensor(ImmutableArray.Create(batch, heads, sq, sk), probs));
    }

    public DeviceTensor ConcatSequence(DeviceTensor first, DeviceTensor second)
    {
        if (first.Rank != 3 || second.Rank != 3 || first.Shape[0] != second.Shape[0] || first.Shape[2] != second.Shape[2])
            throw new ArgumentException($"cannot concatenate {TensorShape.Format(first.Shape)} and {TensorShape.Format(second.Shape)} along the sequence");
        int batch = first.Shape[0], s1 = first.Shape[1], s2 = second.Shape[1], h = first.Shape[2];
        var result = new float[(long)batch * (s1 + s2) * h];
        var a = Cpu(first).Floats;
        var b = Cpu(second).Floats;
        for (int i = 0; i < batch; i++)
        {
            a.Slice(i * s1 * h, s1 * h).CopyTo(result.AsSpan(i * (s1 + s2) * h));
            b.Slice(i * s2 * h, s2 * h).CopyTo(result.AsSpan((i * (s1 + s2) + s1) * h));
        }
        return new CpuTensor(ImmutableArray.Create(batch, s1 + s2, h), result);
    }

    public DeviceTensor SelectPositions(DeviceTensor x, DeviceTensor positions)
    {
        if (x.Rank != 3) throw new ArgumentException($"select expects [B, S, H], got {TensorShape.Format(x.Shape)}");
        int batch = x.Shape[0], seq = x.Shape[1], h = x.Shape[2];
        var pos = Cpu(positions).Ints;
        if (pos.Length != batch) throw new ArgumentException($"select needs {batch} positions, got {pos.Length}");
        var src = Cpu(x).Floats;
        var result = new float[batch * h];
        for (int b = 0; b < batch; b++)
        {
            if ((uint)pos[b] >= (uint)seq) throw new ArgumentOutOfRangeException(nameof(positions), $"position {pos[b]} of row {b} is outside [0, {seq})");
            src.Slice((b * seq + pos[b]) * h, h).CopyTo(result.AsSpan(b * h, h));
        }
        return new CpuTensor(ImmutableArray.Create(batch, h), result);
    }

    public DeviceTensor MeanOverSequence(DeviceTensor x)
    {
        if (x.Rank != 3) throw new ArgumentException($"mean expects [B, S, H], got {TensorShape.Format(x.Shape)}");
        int batch = x.Shape[0], seq = x.Shape[1], h = x.Shape[2];
        var src = Cpu(x).Floats;
        var result = new float[batch * h];
        for (int b = 0; b < batch; b++)
            for (int j = 0; j < h; j++)
            {
                double sum = 0;
                for (int s = 0; s < seq; s++) sum += src[(b * seq + s) * h + j];
                result[b * h + j] = (float)(sum / seq);
            }
        return new CpuTensor(ImmutableArray.Create(batch, h), result);
    }

    public void Dispose() { }

    private static CpuTensor Cpu(DeviceTensor t) =>
        t as CpuTensor ?? throw new ArgumentException($"{t} belongs to another backend, not the CPU backend");

    private static void SameShape(DeviceTensor a, DeviceTensor b, string what)
    {
        if (!a.Shape.SequenceEqual(b.Shape))
            throw new ArgumentException($"{what}: shapes {TensorShape.Format(a.Shape)} and {TensorShape.Format(b.Shape)} differ");
    }

    private static void CheckCount(long count, ReadOnlySpan<int> shape)
    {
        if (TensorShape.ElementCount(shape) != count)
            throw new ArgumentException($"{count} values do not fill shape {TensorShape.Format(shape.ToArray())}");
    }
}
