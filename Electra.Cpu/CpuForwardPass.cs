using System.Collections.Immutable;
using System.Numerics.Tensors;
using Electra.Core.Backend;
using Electra.Core.Errors;
using Electra.Core.Tensors;
using Electra.Cpu.Kernels;
using Electra.Cpu.Kernels.Int8;

namespace Electra.Cpu;

/// <summary>
/// A forward pass of the CPU backend; every operation runs eagerly on the backend's thread pool. Outputs are
/// pooled tensors (object and array), recycled on <see cref="Release"/>, <see cref="TryReleaseAll"/> or when the pass
/// is disposed: a released tensor object may come back as the result of a later operation, so nobody may hold one
/// after releasing it. Shapes are passed as spans and matched against the pooled tensors', so a warmed-up operation
/// allocates nothing.
/// </summary>
internal sealed unsafe class CpuForwardPass(CpuBackend backend) : IForwardPass
{
    readonly List<CpuTensor> _owned = new();
    bool _disposed;

    public IBackend Backend => backend;

    CpuTensor NewFloat(ReadOnlySpan<int> shape) => New(DeviceDType.Float32, shape);

    CpuTensor NewInt(ReadOnlySpan<int> shape) => New(DeviceDType.Int32, shape);

    CpuTensor New(DeviceDType dtype, ReadOnlySpan<int> shape)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var t = backend.Activations.Rent(dtype, shape, this);
        _owned.Add(t);
        return t;
    }

    /// <summary><paramref name="shape"/> with its last dimension replaced, in <paramref name="buffer"/>.</summary>
    static ReadOnlySpan<int> WithLastDim(ImmutableArray<int> shape, int last, Span<int> buffer)
    {
        var result = buffer[..shape.Length];
        shape.AsSpan().CopyTo(result);
        result[^1] = last;
        return result;
    }

    public DeviceTensor Upload(ReadOnlySpan<float> data, ReadOnlySpan<int> shape)
    {
        CheckCount(data.Length, shape);
        var t = NewFloat(shape);
        data.CopyTo(t.Writable);
        return t;
    }

    public DeviceTensor UploadInt(ReadOnlySpan<int> data, ReadOnlySpan<int> shape)
    {
        CheckCount(data.Length, shape);
        var t = NewInt(shape);
        data.CopyTo(t.PooledInts!.Value.Span);
        return t;
    }

    public float[] Read(DeviceTensor tensor) => Cpu(tensor).Floats.ToArray();

    public void Read(DeviceTensor tensor, Span<float> destination)
    {
        var values = Cpu(tensor).Floats;
        if (destination.Length != values.Length)
            throw new InputException($"reading {tensor} needs a destination of {values.Length} values, got {destination.Length}");
        values.CopyTo(destination);
    }

    public void Release(DeviceTensor tensor)
    {
        if (tensor is not CpuTensor t || t.Owner != this || t.HasViews) return;
        int index = _owned.LastIndexOf(t);
        if (index < 0) return;
        _owned.RemoveAt(index);
        backend.Activations.Return(t);
    }

    public bool TryReleaseAll()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ReturnOwned();
        return true;
    }

    public DeviceTensor Reshape(DeviceTensor x, ReadOnlySpan<int> shape)
    {
        var t = Cpu(x);
        CheckCount(t.ElementCount, shape);
        t.HasViews = true;
        return t.DType == DeviceDType.Float32
            ? new CpuTensor(CpuBackend.ShapeOf(shape), t.FloatMemory)
            : new CpuTensor(CpuBackend.ShapeOf(shape), t.IntMemory);
    }

    public DeviceTensor Gather(DeviceTensor table, DeviceTensor ids)
    {
        var t = Cpu(table);
        var idx = Cpu(ids).Ints;
        if (t.Rank != 2) throw new InputException($"gather table must be [R, E], got {TensorShape.Format(t.Shape)}");
        int rows = t.Shape[0], width = t.Shape[1];
        Span<int> shape = stackalloc int[ids.Rank + 1];
        ids.Shape.AsSpan().CopyTo(shape);
        shape[^1] = width;
        var result = NewFloat(shape);
        var dst = result.Writable;
        var src = t.Floats;
        CheckIds(idx, rows);
        for (int i = 0; i < idx.Length; i++) src.Slice(idx[i] * width, width).CopyTo(dst.Slice(i * width, width));
        return result;
    }

    /// <summary>Off: <see cref="Embed"/> runs the composed default (for benchmarks that time both in one process).</summary>
    internal static bool EmbedsInOnePass = true;

    /// <summary>
    /// The embeddings in one parallel pass (<see cref="EmbeddingKernel"/>: the bits of the gathers, the add and the
    /// LayerNorm of the composed default). Shapes the kernel does not take go to the composed default, whose operations
    /// name what does not fit; an id outside its table is reported as its gather reports it.
    /// </summary>
    public DeviceTensor Embed(EmbeddingInputs e)
    {
        if (!EmbedsInOnePass || e.WordTable.Rank != 2 || e.TokenTypeTable.Rank != 2 || e.PositionTable.Rank != 2
            || e.TokenTypeTable.Shape[1] != e.WordTable.Shape[1] || e.PositionTable.Shape[1] != e.WordTable.Shape[1]
            || !e.TokenTypeIds.Shape.AsSpan().SequenceEqual(e.InputIds.Shape.AsSpan())
            || !e.PositionIds.Shape.AsSpan().SequenceEqual(e.InputIds.Shape.AsSpan())
            || e.Gamma.ElementCount != e.WordTable.Shape[1] || e.Beta.ElementCount != e.WordTable.Shape[1])
            return EmbeddingsReference.Compose(this, e);
        ReadOnlySpan<int> ids = Cpu(e.InputIds).Ints, typeIds = Cpu(e.TokenTypeIds).Ints, positionIds = Cpu(e.PositionIds).Ints;
        // In the composed default's order: the words' gather first, then the token types', then the positions'.
        CheckIds(ids, e.WordTable.Shape[0]);
        CheckIds(typeIds, e.TokenTypeTable.Shape[0]);
        CheckIds(positionIds, e.PositionTable.Shape[0]);
        int width = e.WordTable.Shape[1];
        Span<int> shape = stackalloc int[e.InputIds.Rank + 1];
        e.InputIds.Shape.AsSpan().CopyTo(shape);
        shape[^1] = width;
        var result = NewFloat(shape);
        fixed (float* pw = Cpu(e.WordTable).Floats)
        fixed (float* pt = Cpu(e.TokenTypeTable).Floats)
        fixed (float* pp = Cpu(e.PositionTable).Floats)
        fixed (int* pi = ids)
        fixed (int* pti = typeIds)
        fixed (int* ppi = positionIds)
        fixed (float* pg = Cpu(e.Gamma).Floats)
        fixed (float* pb = Cpu(e.Beta).Floats)
        fixed (float* po = result.Writable)
            EmbeddingKernel.Forward(pw, pt, pp, pi, pti, ppi, ids.Length, width, pg, pb, e.Eps, po, backend.Pool);
        return result;
    }

    /// <summary>Every id inside a table of <paramref name="rows"/> rows, or an InputException naming the first that is not.</summary>
    static void CheckIds(ReadOnlySpan<int> ids, int rows)
    {
        for (int i = 0; i < ids.Length; i++)
            if ((uint)ids[i] >= (uint)rows)
                throw new InputException($"index {ids[i]} at position {i} is outside the embedding table's [0, {rows})");
    }

    public DeviceTensor Add(DeviceTensor a, DeviceTensor b)
    {
        SameShape(a, b, "add");
        var result = NewFloat(a.Shape.AsSpan());
        TensorPrimitives.Add(Cpu(a).Floats, Cpu(b).Floats, result.Writable);
        return result;
    }

    public DeviceTensor Linear(DeviceTensor x, LinearWeight weight, Activation activation = Activation.Identity)
    {
        var w = CheckedLinear(x, weight);
        int m = checked((int)x.Rows);
        var result = NewFloat(WithLastDim(x.Shape, w.OutFeatures, stackalloc int[x.Rank]));
        fixed (float* px = Cpu(x).Floats)
        fixed (float* py = result.Writable)
            Multiply(px, w.InFeatures, m, w, py, w.OutFeatures, activation, KnownRange(x, w));
        return result;
    }

    /// <summary>
    /// One linear through the float or the int8 GEMM, whichever the weight was prepared for; an int8 one takes the
    /// input's range when its producer measured it (<see cref="KnownRange"/>).
    /// </summary>
    void Multiply(float* x, nint ldx, int rows, CpuLinearWeight w, float* y, nint ldy, Activation activation,
        ValueRange? inputRange = null)
    {
        if (w.Quantized is { } q)
            Int8Gemm.MultiplyWithRanges(x, ldx, rows, q, y, ldy, activation, w.PerRowActivations, backend.Pool, inputRange, outputRange: false);
        else Gemm.Multiply(x, ldx, rows, w.Packed!, y, ldy, activation, backend.Pool);
    }

    /// <summary>
    /// The range of <paramref name="x"/> as its producer measured it, for an int8 linear with per-tensor activations
    /// (which would otherwise make a pass over x for it); null when unknown or not needed.
    /// </summary>
    static ValueRange? KnownRange(DeviceTensor x, CpuLinearWeight w) =>
        w.Quantized is not null && !w.PerRowActivations ? Cpu(x).KnownRange : null;

    /// <summary>
    /// Whether int8 operations measure their output's range for the next int8 linear (otherwise it makes a range pass;
    /// same bits). Kept settable for the int8-fusion benchmark's side by side.
    /// </summary>
    internal static bool MeasuresInt8OutputRanges = true;

    /// <summary>
    /// Whether the attention measures its context's range for the int8 attention output (with
    /// <see cref="MeasuresInt8OutputRanges"/>; same bits). Kept settable for the int8-ranges benchmark's side by side.
    /// </summary>
    internal static bool MeasuresAttentionContextRange = true;

    public ImmutableArray<DeviceTensor> Linears(DeviceTensor x, ImmutableArray<LinearWeight> weights)
    {
        var results = new DeviceTensor[weights.Length];
        Linears(x, weights.AsSpan(), results);
        return System.Runtime.InteropServices.ImmutableCollectionsMarshal.AsImmutableArray(results);
    }

    public void Linears(DeviceTensor x, ReadOnlySpan<LinearWeight> weights, Span<DeviceTensor> results)
    {
        if (results.Length != weights.Length)
            throw new InputException($"{weights.Length} weights need {weights.Length} results, got {results.Length}");
        if (weights.Length is 0 or > Gemm.MaxWeights || !SamePacking(weights))
        {
            for (int i = 0; i < weights.Length; i++) results[i] = Linear(x, weights[i]);
            return;
        }
        int m = checked((int)x.Rows);
        var packed = new WeightSlots();
        var quantized = new QuantizedSlots();
        var pins = new PinSlots();
        Span<nint> outputs = stackalloc nint[weights.Length];
        Span<int> shape = stackalloc int[x.Rank];
        for (int i = 0; i < weights.Length; i++)
        {
            var w = CheckedLinear(x, weights[i]);
            var result = NewFloat(WithLastDim(x.Shape, w.OutFeatures, shape));
            results[i] = result;
            packed[i] = w.Packed!;
            quantized[i] = w.Quantized!;
        }
        try
        {
            for (int i = 0; i < weights.Length; i++)
            {
                pins[i] = ((CpuTensor)results[i]).PooledFloats!.Value.Pin();
                outputs[i] = (nint)pins[i].Pointer;
            }
            fixed (float* px = Cpu(x).Floats)
            {
                // The input is quantized once for all the int8 outputs.
                if (weights[0] is CpuLinearWeight { Quantized: not null } first)
                    Int8Gemm.MultiplyMany(px, x.LastDim, m, ((ReadOnlySpan<Int8PackedWeight>)quantized)[..weights.Length], outputs,
                        first.PerRowActivations, backend.Pool, KnownRange(x, first));
                else
                    Gemm.MultiplyMany(px, x.LastDim, m, ((ReadOnlySpan<PackedWeight>)packed)[..weights.Length], outputs, backend.Pool);
            }
        }
        finally
        {
            for (int i = 0; i < weights.Length; i++) pins[i].Dispose();
        }
    }

    /// <summary>The feed-forward block in blocks of rows (see the private overload).</summary>
    public DeviceTensor FeedForward(DeviceTensor x, LinearWeight up, Activation activation, LinearWeight down) =>
        FeedForward(x, up, activation, down, default);

    /// <summary>
    /// LayerNorm(down(act(up(x))) + x), block by block of rows: in the down projection's epilogue where the GEMM can
    /// (float weights and enough rows, <see cref="Gemm.LayerNormFusionPays"/>), otherwise as a LayerNorm pass over the
    /// block right after it. Same bits either way.
    /// </summary>
    public DeviceTensor FeedForwardLayerNorm(DeviceTensor x, LinearWeight up, Activation activation, LinearWeight down,
        DeviceTensor gamma, DeviceTensor beta, float eps)
    {
        var wd = Prepared(down);
        CheckLayerNorm(wd.OutFeatures, gamma, beta);
        if (x.LastDim != wd.OutFeatures)
            throw new InputException($"feed-forward + LayerNorm: the residual (the input) has {x.LastDim} features, the down projection gives {wd.OutFeatures}");
        return FeedForward(x, up, activation, down, new LayerNormOperands(Cpu(gamma), Cpu(beta), eps));
    }

    /// <summary>
    /// LayerNorm(x·Wᵀ + b + residual) with the LayerNorm in the GEMM's epilogue (float weights and enough rows,
    /// <see cref="Gemm.LayerNormFusionPays"/>); otherwise the linear, then a LayerNorm pass. Same bits either way.
    /// </summary>
    public DeviceTensor LinearLayerNorm(DeviceTensor x, LinearWeight weight, DeviceTensor residual, DeviceTensor gamma,
        DeviceTensor beta, float eps)
    {
        var w = CheckedLinear(x, weight);
        int m = checked((int)x.Rows);
        if (w.Quantized is not null) return Int8LinearLayerNorm(x, weight, w, residual, gamma, beta, eps);
        if (w.Packed is null || !Gemm.LayerNormFusionPays(m, backend.Threads, w.Packed.Isa))
        {
            var projected = Linear(x, weight);
            var normalized = LayerNorm(projected, residual, gamma, beta, eps);
            Release(projected);
            return normalized;
        }
        CheckLayerNorm(w.OutFeatures, gamma, beta);
        var result = NewFloat(WithLastDim(x.Shape, w.OutFeatures, stackalloc int[x.Rank]));
        SameShape(result, residual, "linear + LayerNorm residual");
        fixed (float* px = Cpu(x).Floats)
        fixed (float* pr = Cpu(residual).Floats)
        fixed (float* pg = Cpu(gamma).Floats)
        fixed (float* pb = Cpu(beta).Floats)
        fixed (float* py = result.Writable)
            Gemm.MultiplyLayerNorm(px, w.InFeatures, m, w.Packed, pr, w.OutFeatures, pg, pb, eps, py, w.OutFeatures, backend.Pool);
        return result;
    }

    /// <summary>
    /// <see cref="LinearLayerNorm"/> in int8: the linear (with its input's range when the producer measured it), then the
    /// LayerNorm in place, which measures the output's range for the int8 linears that read it next (the feed-forward's
    /// up projection) while each row is in cache. The LayerNorm stays a pass of its own: in the int8 GEMM's epilogue it
    /// made 4096 × 256 × 256 slower (the two stream better apart).
    /// </summary>
    DeviceTensor Int8LinearLayerNorm(DeviceTensor x, LinearWeight weight, CpuLinearWeight w, DeviceTensor residual,
        DeviceTensor gamma, DeviceTensor beta, float eps)
    {
        CheckLayerNorm(w.OutFeatures, gamma, beta);
        var result = (CpuTensor)Linear(x, weight);
        SameShape(result, residual, "linear + LayerNorm residual");
        bool measure = !w.PerRowActivations && MeasuresInt8OutputRanges;
        ValueRange range;
        fixed (float* pr = Cpu(residual).Floats)
        fixed (float* pg = Cpu(gamma).Floats)
        fixed (float* pb = Cpu(beta).Floats)
        fixed (float* py = result.Writable)
            range = LayerNormKernel.Forward(py, pr, pg, pb, eps, py, checked((int)result.Rows), w.OutFeatures, backend.Pool, measure);
        if (measure) result.KnownRange = range;
        return result;
    }

    /// <summary>The LayerNorm that follows a feed-forward block (its residual is the block's input); Gamma null for none.</summary>
    readonly record struct LayerNormOperands(CpuTensor? Gamma, CpuTensor? Beta, float Eps);

    static void CheckLayerNorm(int features, DeviceTensor gamma, DeviceTensor beta)
    {
        if (gamma.ElementCount != features || beta.ElementCount != features)
            throw new InputException($"layer norm over {features} features got gamma {TensorShape.Format(gamma.Shape)} and beta {TensorShape.Format(beta.Shape)}");
    }

    /// <summary>
    /// The feed-forward block in blocks of rows: each block's intermediate (rows × the wide dimension, e.g. 4× hidden)
    /// goes straight into the down projection, so only one block of it exists at a time (an ELECTRA-base batch of
    /// 32 × 128 would otherwise hold a 48 MB intermediate, and it grows with the batch). Not in int8 with per-tensor
    /// activations, whose range is the whole intermediate's. With <paramref name="norm"/>, each block's output is
    /// normalised with the input as residual before the next block.
    /// </summary>
    DeviceTensor FeedForward(DeviceTensor x, LinearWeight up, Activation activation, LinearWeight down, LayerNormOperands norm)
    {
        var wu = CheckedLinear(x, up);
        var wd = Prepared(down);
        if (wd.InFeatures != wu.OutFeatures)
            throw new InputException($"feed-forward: the down projection expects {wd.InFeatures} inputs, the up projection gives {wu.OutFeatures}");
        int m = checked((int)x.Rows);
        // An int8 down projection with per-tensor activations quantizes the intermediate with the range of all of it
        // (DynamicQuantizeLinear over the tensor, as ONNX Runtime runs it): it cannot start before the whole up
        // projection has run, so there is one block, as large as ONNX Runtime's intermediate.
        bool wholeRange = wd.Quantized is not null && !wd.PerRowActivations;
        int rowsPerBlock = wholeRange ? m : Math.Min(m, FeedForwardBlockRows(wu.OutFeatures));
        var result = NewFloat(WithLastDim(x.Shape, wd.OutFeatures, stackalloc int[x.Rank]));
        // Up to one block of rows this is one pass of the loop: the two linears, on the same GEMM calls.
        int ldb = IntermediateStride(wu, wd);
        var block = NewFloat([rowsPerBlock, ldb]);
        int n = wd.OutFeatures;
        // In int8 with per-tensor activations the LayerNorm (or the down projection's epilogue) measures the output's range, for the next layer.
        bool int8 = wu.Quantized is not null && wd.Quantized is not null, measure = int8 && !wd.PerRowActivations && MeasuresInt8OutputRanges;
        float outputMin = 0, outputMax = 0;
        fixed (float* px = Cpu(x).Floats)
        fixed (float* pb = block.Writable)
        fixed (float* py = result.Writable)
        fixed (float* pg = norm.Gamma is null ? default : norm.Gamma.Floats)
        fixed (float* pbeta = norm.Beta is null ? default : norm.Beta.Floats)
        {
            for (int r = 0; r < m; r += rowsPerBlock)
            {
                int rows = Math.Min(rowsPerBlock, m - r);
                float* residual = px + (nint)r * wu.InFeatures, output = py + (nint)r * n;
                if (int8)
                {
                    // The input's known range holds for a block that is all of it.
                    var range = Int8FeedForwardBlock(residual, rows, wu, activation, pb, ldb, wd, norm, pg, pbeta, output, n,
                        rows == m ? KnownRange(x, wu) : null, measure);
                    outputMin = MathF.Min(outputMin, range.Min);
                    outputMax = MathF.Max(outputMax, range.Max);
                    continue;
                }
                else
                {
                    if (norm.Gamma is not null && wd.Packed is not null && Gemm.LayerNormFusionPays(rows, backend.Threads, wd.Packed.Isa))
                    {
                        // The LayerNorm in the down projection's epilogue; with float up weights of the same layout both
                        // projections go to Gemm.FeedForwardLayerNorm, which runs them in one parallel run where the rows allow.
                        if (wu.Packed is { } packedUp && packedUp.Isa == wd.Packed.Isa)
                            Gemm.FeedForwardLayerNorm(residual, wu.InFeatures, rows, packedUp, activation, pb, ldb, wd.Packed,
                                pg, pbeta, norm.Eps, output, n, backend.Pool);
                        else
                        {
                            Multiply(residual, wu.InFeatures, rows, wu, pb, ldb, activation);
                            Gemm.MultiplyLayerNorm(pb, ldb, rows, wd.Packed, residual, n, pg, pbeta, norm.Eps, output, n, backend.Pool);
                        }
                        continue;
                    }
                    Multiply(residual, wu.InFeatures, rows, wu, pb, ldb, activation);
                    Multiply(pb, ldb, rows, wd, output, n, Activation.Identity);
                }
                if (norm.Gamma is not null)
                    LayerNormKernel.Forward(output, residual, pg, pbeta, norm.Eps, output, rows, n, backend.Pool);
            }
        }
        Release(block);
        if (measure) result.KnownRange = new ValueRange(outputMin, outputMax);
        return result;
    }

    /// <summary>
    /// One block of rows of the int8 feed-forward: the up projection's epilogue measures the intermediate's range for a
    /// down projection with per-tensor activations (no pass of its own over the widest tensor of the layer); the output's
    /// range, when <paramref name="measure"/>, is measured by the LayerNorm if any, else by the down projection's epilogue.
    /// </summary>
    ValueRange Int8FeedForwardBlock(float* x, int rows, CpuLinearWeight up, Activation activation, float* hidden, int ldh,
        CpuLinearWeight down, LayerNormOperands norm, float* gamma, float* beta, float* y, int n, ValueRange? inputRange, bool measure)
    {
        bool passRange = !down.PerRowActivations;
        var hiddenRange = Int8Gemm.MultiplyWithRanges(x, up.InFeatures, rows, up.Quantized!, hidden, ldh, activation,
            up.PerRowActivations, backend.Pool, inputRange, outputRange: passRange);
        var range = Int8Gemm.MultiplyWithRanges(hidden, ldh, rows, down.Quantized!, y, n, Activation.Identity, down.PerRowActivations,
            backend.Pool, passRange ? hiddenRange : null, outputRange: measure && norm.Gamma is null);
        return norm.Gamma is null ? range : LayerNormKernel.Forward(y, x, gamma, beta, norm.Eps, y, rows, n, backend.Pool, measure);
    }

    /// <summary>
    /// The row stride of the feed-forward intermediate. A float GEMM copies every tile of an input whose row stride is a
    /// multiple of 4 KiB (its microkernel rows would share L1 sets), and the usual intermediate widths (1024, 3072) are:
    /// 16 floats of padding per row let the down projection read the intermediate in place instead.
    /// </summary>
    static int IntermediateStride(CpuLinearWeight up, CpuLinearWeight down) =>
        up.Quantized is null && down.Quantized is null && up.OutFeatures * sizeof(float) % 4096 == 0
            ? up.OutFeatures + 16 : up.OutFeatures;

    /// <summary>
    /// Rows per feed-forward block: a whole number of GEMM tiles, enough of them for every thread, and about 8 MB of
    /// intermediate. Every block reads both weights again (from L3 at best); with 2 MB blocks ELECTRA-base's forward
    /// was 3–4% slower than unblocked, with 8 MB about 1% (ELECTRA-small: within noise either way).
    /// </summary>
    int FeedForwardBlockRows(int width)
    {
        int tiles = Math.Max(backend.Threads * 2, (8 << 20) / sizeof(float) / width / Gemm.TileRows);
        return tiles * Gemm.TileRows;
    }

    /// <summary>Room for <see cref="Gemm.MaxWeights"/> packed weights on the stack.</summary>
    [System.Runtime.CompilerServices.InlineArray(Gemm.MaxWeights)]
    struct WeightSlots
    {
        PackedWeight _first;
    }

    /// <summary>Room for <see cref="Int8Gemm.MaxWeights"/> int8 weights on the stack.</summary>
    [System.Runtime.CompilerServices.InlineArray(Int8Gemm.MaxWeights)]
    struct QuantizedSlots
    {
        Int8PackedWeight _first;
    }

    /// <summary>Room for <see cref="Gemm.MaxWeights"/> pinned outputs on the stack.</summary>
    [System.Runtime.CompilerServices.InlineArray(Gemm.MaxWeights)]
    struct PinSlots
    {
        System.Buffers.MemoryHandle _first;
    }

    static CpuLinearWeight Prepared(LinearWeight weight) =>
        weight as CpuLinearWeight ?? throw new InputException($"{weight} was not prepared by the CPU backend");

    static CpuLinearWeight CheckedLinear(DeviceTensor x, LinearWeight weight)
    {
        var w = Prepared(weight);
        if (x.LastDim != w.InFeatures)
            throw new InputException($"linear expects last dimension {w.InFeatures}, got {TensorShape.Format(x.Shape)}");
        return w;
    }

    static bool SamePacking(ReadOnlySpan<LinearWeight> weights)
    {
        if (weights[0] is not CpuLinearWeight first) return false;
        foreach (var w in weights)
            if (w is not CpuLinearWeight c || c.InFeatures != first.InFeatures
                || c.Packed?.Isa != first.Packed?.Isa || c.Quantized?.Isa != first.Quantized?.Isa
                || c.PerRowActivations != first.PerRowActivations) return false;
        return true;
    }

    public DeviceTensor Activate(DeviceTensor x, Activation activation)
    {
        var result = NewFloat(x.Shape.AsSpan());
        Cpu(x).Floats.CopyTo(result.Writable);
        ActivationKernels.Activate(result.Writable, activation);
        return result;
    }

    public DeviceTensor LayerNorm(DeviceTensor x, DeviceTensor? residual, DeviceTensor gamma, DeviceTensor beta, float eps)
    {
        if (residual is not null) SameShape(x, residual, "layer norm residual");
        if (gamma.ElementCount != x.LastDim || beta.ElementCount != x.LastDim)
            throw new InputException($"layer norm over {x.LastDim} features got gamma {TensorShape.Format(gamma.Shape)} and beta {TensorShape.Format(beta.Shape)}");
        var result = NewFloat(x.Shape.AsSpan());
        LayerNormKernel.Forward(Cpu(x).Floats, residual is null ? default : Cpu(residual).Floats, Cpu(gamma).Floats,
            Cpu(beta).Floats, eps, result.Writable, backend.Pool);
        return result;
    }

    public AttentionResult Attention(DeviceTensor q, DeviceTensor k, DeviceTensor v, DeviceTensor keyMask, int heads,
        bool causal, bool returnProbabilities)
    {
        if (q.Rank != 3 || k.Rank != 3 || v.Rank != 3)
            throw new InputException($"attention expects [B, S, H] tensors, got q {TensorShape.Format(q.Shape)}, k {TensorShape.Format(k.Shape)}, v {TensorShape.Format(v.Shape)}");
        SameShape(k, v, "attention keys and values");
        int batch = q.Shape[0], sq = q.Shape[1], hidden = q.Shape[2], sk = k.Shape[1];
        if (k.Shape[0] != batch || k.Shape[2] != hidden)
            throw new InputException($"attention keys {TensorShape.Format(k.Shape)} do not fit queries {TensorShape.Format(q.Shape)}");
        if (keyMask.Rank != 2 || keyMask.Shape[0] != batch || keyMask.Shape[1] != sk)
            throw new InputException($"attention mask must be [{batch}, {sk}], got {TensorShape.Format(keyMask.Shape)}");
        if (heads <= 0 || hidden % heads != 0) throw new InputException($"hidden size {hidden} is not a multiple of {heads} heads");

        var context = NewFloat(q.Shape.AsSpan());
        var probs = returnProbabilities ? NewFloat([batch, heads, sq, sk]) : null;
        var shape = new AttentionKernel.Shape(batch, sq, sk, heads, hidden / heads, hidden, hidden, hidden, hidden, causal);
        fixed (float* pq = Cpu(q).Floats)
        fixed (float* pk = Cpu(k).Floats)
        fixed (float* pv = Cpu(v).Floats)
        fixed (float* pm = Cpu(keyMask).Floats)
        fixed (float* pc = context.Writable)
        fixed (float* pp = probs is null ? default : probs.Writable)
        {
            if (MeasuresContextRange)
                context.KnownRange = AttentionKernel.RunMeasuringContext(shape, pq, pk, pv, pm, pc, probs is null ? null : pp,
                    backend.Isa, backend.Pool);
            else
                AttentionKernel.Run(shape, pq, pk, pv, pm, pc, probs is null ? null : pp, backend.Isa, backend.Pool);
        }
        return probs is null ? context.AsContextOnly : new AttentionResult(context, probs);
    }

    /// <summary>
    /// Whether an attention measures its context's range: the context goes to the attention output, an int8 linear when
    /// the encoder's are, and with per-tensor activations that needs the context's range, which the attention measures
    /// as it writes each block.
    /// </summary>
    bool MeasuresContextRange =>
        MeasuresInt8OutputRanges && MeasuresAttentionContextRange && backend.Options.Quantization is { PerRowActivations: false };

    /// <summary>Off: <see cref="SelfAttention"/> always runs the projections and the attention one after the other
    /// (for benchmarks that time both in one process, and tests that compare them).</summary>
    internal static bool FusesSelfAttention = true;

    /// <summary>
    /// The projections and the attention fused per (batch row, group of heads) where the shape allows it
    /// (<see cref="SelfAttentionKernel"/>: same bits), otherwise one after the other.
    /// </summary>
    public DeviceTensor SelfAttention(DeviceTensor x, LinearWeight query, LinearWeight key, LinearWeight value,
        DeviceTensor keyMask, int heads, bool causal)
    {
        ReadOnlySpan<LinearWeight> weights = [query, key, value];
        if (FusesSelfAttention && x.Rank == 3 && heads > 0 && SamePacking(weights) && keyMask.Rank == 2
            && keyMask.Shape[0] == x.Shape[0] && keyMask.Shape[1] == x.Shape[1] && x.LastDim % heads == 0)
        {
            var (wq, wk, wv) = (CheckedLinear(x, query), CheckedLinear(x, key), CheckedLinear(x, value));
            int hidden = x.LastDim, threads = backend.Pool?.Threads ?? 1;
            var shape = new SelfAttentionKernel.Shape(x.Shape[0], x.Shape[1], heads, hidden / heads, causal);
            int panelWidth = wq.Quantized?.PanelWidth ?? wq.Packed!.PanelWidth;
            int group = wq.OutFeatures == hidden && wk.OutFeatures == hidden && wv.OutFeatures == hidden
                ? SelfAttentionKernel.HeadsPerTile(shape, panelWidth, threads) : 0;
            if (group > 0) return FusedSelfAttention(x, wq, wk, wv, keyMask, shape, group);
        }
        return UnfusedSelfAttention.Run(this, x, query, key, value, keyMask, heads, causal);
    }

    CpuTensor FusedSelfAttention(DeviceTensor x, CpuLinearWeight wq, CpuLinearWeight wk, CpuLinearWeight wv, DeviceTensor keyMask,
        in SelfAttentionKernel.Shape shape, int group)
    {
        var context = NewFloat(x.Shape.AsSpan());
        fixed (float* px = Cpu(x).Floats)
        fixed (float* pm = Cpu(keyMask).Floats)
        fixed (float* pc = context.Writable)
        {
            if (wq.Quantized is { } q)
            {
                bool measure = MeasuresContextRange;
                var range = SelfAttentionKernel.RunInt8(shape, group, px, x.LastDim, q, wk.Quantized!, wv.Quantized!,
                    wq.PerRowActivations, KnownRange(x, wq), pm, pc, measure, backend.Isa, backend.Pool);
                if (measure) context.KnownRange = range;
            }
            else
            {
                SelfAttentionKernel.Run(shape, group, px, x.LastDim, wq.Packed!, wk.Packed!, wv.Packed!, pm, pc, backend.Isa, backend.Pool);
            }
        }
        return context;
    }

    public DeviceTensor AttentionSegments(DeviceTensor q, DeviceTensor k, DeviceTensor v, DeviceTensor keyMask,
        ImmutableArray<int> segmentStarts, int heads, bool causal)
    {
        var (_, hidden) = AttentionSegmentChecks.Validate(q, k, v, keyMask, segmentStarts, heads);
        var context = NewFloat(q.Shape.AsSpan());
        fixed (float* pq = Cpu(q).Floats)
        fixed (float* pk = Cpu(k).Floats)
        fixed (float* pv = Cpu(v).Floats)
        fixed (float* pm = Cpu(keyMask).Floats)
        fixed (float* pc = context.Writable)
            // Each segment is computed as a batch of one of the ordinary kernel, all of them in one parallel run.
            AttentionKernel.RunSegments(segmentStarts.AsSpan(), heads, hidden / heads, hidden, causal, pq, pk, pv, pm, pc,
                backend.Isa, backend.Pool);
        return context;
    }

    public DeviceTensor ConcatSequence(DeviceTensor first, DeviceTensor second)
    {
        if (first.Rank != 3 || second.Rank != 3 || first.Shape[0] != second.Shape[0] || first.Shape[2] != second.Shape[2])
            throw new InputException($"cannot concatenate {TensorShape.Format(first.Shape)} and {TensorShape.Format(second.Shape)} along the sequence");
        int batch = first.Shape[0], s1 = first.Shape[1], s2 = second.Shape[1], h = first.Shape[2];
        var result = NewFloat([batch, s1 + s2, h]);
        var dst = result.Writable;
        var a = Cpu(first).Floats;
        var b = Cpu(second).Floats;
        for (int i = 0; i < batch; i++)
        {
            a.Slice(i * s1 * h, s1 * h).CopyTo(dst.Slice(i * (s1 + s2) * h));
            b.Slice(i * s2 * h, s2 * h).CopyTo(dst.Slice((i * (s1 + s2) + s1) * h));
        }
        return result;
    }

    public DeviceTensor SelectPositions(DeviceTensor x, DeviceTensor positions)
    {
        if (x.Rank != 3) throw new InputException($"select expects [B, S, H], got {TensorShape.Format(x.Shape)}");
        int batch = x.Shape[0], seq = x.Shape[1], h = x.Shape[2];
        var pos = Cpu(positions).Ints;
        if (pos.Length != batch) throw new InputException($"select needs {batch} positions, got {pos.Length}");
        var src = Cpu(x).Floats;
        var result = NewFloat([batch, h]);
        var dst = result.Writable;
        for (int b = 0; b < batch; b++)
        {
            if ((uint)pos[b] >= (uint)seq) throw new InputException($"position {pos[b]} of row {b} is outside [0, {seq})");
            src.Slice((b * seq + pos[b]) * h, h).CopyTo(dst.Slice(b * h, h));
        }
        return result;
    }

    public DeviceTensor MeanOverSequence(DeviceTensor x)
    {
        if (x.Rank != 3) throw new InputException($"mean expects [B, S, H], got {TensorShape.Format(x.Shape)}");
        int batch = x.Shape[0], seq = x.Shape[1], h = x.Shape[2];
        var src = Cpu(x).Floats;
        var result = NewFloat([batch, h]);
        var dst = result.Writable;
        for (int b = 0; b < batch; b++)
            for (int j = 0; j < h; j++)
            {
                double sum = 0;
                for (int s = 0; s < seq; s++) sum += src[(b * seq + s) * h + j];
                dst[b * h + j] = (float)(sum / seq);
            }
        return result;
    }

    /// <summary>Pools in place on the host arrays: the CPU's pooling is the reference definition itself, without copies.</summary>
    public DeviceTensor PoolSegments(DeviceTensor x, DeviceTensor weights, ImmutableArray<int> segmentStarts, SegmentPooling pooling)
    {
        var (_, width, segments) = SegmentPoolingReference.Validate(x, weights, segmentStarts);
        var result = NewFloat([segments, width]);
        SegmentPoolingReference.Pool(Cpu(x).Floats, Cpu(weights).Floats, width, segmentStarts, pooling, result.Writable);
        return result;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        ReturnOwned();
    }

    void ReturnOwned()
    {
        foreach (var t in _owned) backend.Activations.Return(t);
        _owned.Clear();
    }

    private static CpuTensor Cpu(DeviceTensor t) =>
        t as CpuTensor ?? throw new InputException($"{t} belongs to another backend, not the CPU backend");

    private static void SameShape(DeviceTensor a, DeviceTensor b, string what)
    {
        if (!a.Shape.AsSpan().SequenceEqual(b.Shape.AsSpan()))
            throw new InputException($"{what}: shapes {TensorShape.Format(a.Shape)} and {TensorShape.Format(b.Shape)} differ");
    }

    private static void CheckCount(long count, ReadOnlySpan<int> shape)
    {
        if (TensorShape.ElementCount(shape) != count)
            throw new InputException($"{count} values do not fill shape {TensorShape.Format(shape.ToArray())}");
    }
}
