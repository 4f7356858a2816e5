using System.Collections.Immutable;
using Electra.Core.Backend;
using Electra.Core.Errors;
using Electra.Core.Tensors;
using Electra.Vulkan.Kernels;
using Electra.Vulkan.Memory;
using Electra.Vulkan.Tensors;
using PC = Electra.Vulkan.Kernels.PushConstants;

namespace Electra.Vulkan;

/// <summary>The operations: shape checks on the host, then one or more recorded dispatches.</summary>
internal sealed partial class VulkanForwardPass
{
    public DeviceTensor Gather(DeviceTensor table, DeviceTensor ids)
    {
        var t = Float(table, "Gather", "table");
        var i = Int(ids, "Gather", "ids");
        if (t.Rank != 2)
            throw new InputException($"Gather: table must be [rows, width], got {TensorShape.Format(t.Shape)}");
        int rows = t.Shape[0], width = t.Shape[1];
        var hostIds = i.HostInts!;
        for (int p = 0; p < hostIds.Length; p++)
            if ((uint)hostIds[p] >= (uint)rows)
                throw new InputException($"Gather: id {hostIds[p]} at position {p} is outside the table's {rows} rows");

        if (!t.Storage.IsChunked) t = As(t, half: false);   // the kernel reads a float32 table (a chunked one is a weight)
        bool half = _backend.Context.Float16Activations;
        var output = NewTensor([.. i.Shape, width], DeviceDType.Float32, half: half);
        long count = output.ElementCount;
        var kernel = Kernel(_backend.Catalog.Gather, half);
        var grid = _backend.Catalog.Grid(Groups(count));
        for (int c = 0; c < t.Storage.Chunks.Count; c++)
        {
            long rowStart = c * t.Storage.RowsPerChunk;
            long rowCount = Math.Min(t.Storage.RowsPerChunk, rows - rowStart);
            _recorder.Dispatch(kernel, [t.Storage.Chunks[c], i.Storage.Single, output.Storage.Single],
                new PC.Gather((uint)count, (uint)width, (uint)rowStart, (uint)rowCount), grid.X, grid.Y);
        }
        ReleaseConversions();
        return output;
    }

    public DeviceTensor Add(DeviceTensor a, DeviceTensor b)
    {
        var x = Single(a, "Add", "a");
        var y = Single(b, "Add", "b");
        SameShape(x, y, "Add", "a", "b");
        y = As(y, x.Half);
        var output = NewTensor(x.Shape, DeviceDType.Float32, half: x.Half);
        long count = output.ElementCount;
        var grid = _backend.Catalog.Grid(Groups(count));
        _recorder.Dispatch(Kernel(_backend.Catalog.Add, x.Half),
            [x.Storage.Single, y.Storage.Single, output.Storage.Single], new PC.Count((uint)count), grid.X, grid.Y);
        ReleaseConversions();
        return output;
    }

    public DeviceTensor Linear(DeviceTensor x, LinearWeight weight, Activation activation = Activation.Identity)
    {
        var (input, w) = LinearOperands(x, weight, "Linear");
        var output = NewTensor([.. input.Shape[..^1], w.OutFeatures], DeviceDType.Float32, half: input.Half);
        // A linear that a LayerNorm may consume next waits: LayerNorm then runs both as one dispatch; any other
        // operation records it first (NewTensor, Read).
        // On matrix cores the linear runs there and the LayerNorm on its own: the fused kernel has no cooperative-matrix form.
        if (activation == Activation.Identity && !w.Weight.IsChunked && input.Rows > 0 && Coopmat(w) is null &&
            _backend.Catalog.MatmulLayerNorm(w.Float16, w.OutFeatures) is not null)
        {
            _pending = new PendingLinear(input, w, output);
            return output;
        }
        RecordLinear(input, w, activation, output);
        return output;
    }

    /// <summary>A linear recorded later (see <see cref="Linear"/>): its tensors stay valid, as nothing is recorded before it.</summary>
    private sealed record PendingLinear(VulkanTensor Input, VulkanLinearWeight Weight, VulkanTensor Output);

    private PendingLinear? _pending;

    /// <summary>Records the waiting linear, if any: before anything else is recorded, allocated or read.</summary>
    private void FlushPending()
    {
        if (_pending is not { } pending) return;
        _pending = null;
        RecordLinear(pending.Input, pending.Weight, Activation.Identity, pending.Output);
    }

    /// <summary>The cooperative-matrix GEMM for a float16 weight on a device that has it (the f16 GEMM path), else null.</summary>
    private KernelSpec? Coopmat(VulkanLinearWeight w) => w.Float16 ? _backend.Catalog.MatmulCoopmat : null;

    private void RecordLinear(VulkanTensor input, VulkanLinearWeight w, Activation activation, VulkanTensor output)
    {
        long m = input.Rows;
        var catalog = _backend.Catalog;
        for (int c = 0; c < w.Weight.Chunks.Count; c++)
        {
            long n0 = c * w.Weight.RowsPerChunk;
            long n = Math.Min(w.Weight.RowsPerChunk, w.OutFeatures - n0);
            if (Coopmat(w) is not null)
            {
                // 64 × 64 blocks, or 16 × 64 up to 256 rows (the grid is what a GPU lacks at batch 1); no split-K (matrix
                // cores make K cheap).
                var coopmat = catalog.MatmulCoopmatFor(m)!;
                var (gx, gy) = CoopmatGroups(catalog.Gemm.TilesFor(m)!, m, n, "Linear");
                _recorder.Dispatch(Kernel(coopmat, input.Half),
                    [input.Storage.Single, w.Weight.Chunks[c], w.Bias ?? _backend.Placeholder, output.Storage.Single],
                    new PC.Matmul((uint)m, (uint)n, (uint)w.InFeatures, (uint)w.OutFeatures, (uint)n0, w.HasBias ? 1u : 0u,
                        (uint)activation, (uint)Math.Max(1, w.InFeatures)), (uint)gx, (uint)gy);
                continue;
            }
            var plan = catalog.PlanMatmul(m, n, w.InFeatures);
            var (groupsX, groupsY) = MatmulGroups(plan.Tiles, m, n, "Linear");
            var constants = new PC.Matmul((uint)m, (uint)n, (uint)w.InFeatures, (uint)w.OutFeatures, (uint)n0, w.HasBias ? 1u : 0u,
                (uint)activation, (uint)plan.KSplit);
            var bias = w.Bias ?? _backend.Placeholder;
            if (!plan.SplitK)
            {
                _recorder.Dispatch(Kernel(catalog.Matmul(w.Float16, plan.Tiles, input.Half), input.Half),
                    [input.Storage.Single, w.Weight.Chunks[c], bias, output.Storage.Single], constants, (uint)groupsX, (uint)groupsY);
                continue;
            }
            catalog.CheckGroupCount(plan.Splits, 2, "Linear K splits");
            var partial = NewTensor([(int)(plan.Splits * m * n)], DeviceDType.Float32);   // float32 partial sums whatever the activations
            _recorder.Dispatch(Kernel(catalog.MatmulSplit(w.Float16, input.Half), input.Half),
                [input.Storage.Single, w.Weight.Chunks[c], bias, output.Storage.Single, partial.Storage.Single, SplitArrivals()],
                constants, (uint)groupsX, (uint)groupsY, (uint)plan.Splits);
            Release(partial);
        }
    }

    /// <summary>
    /// LayerNorm(linear(x) + residual) as one dispatch when the linear is the one waiting: both its output and the
    /// LayerNorm's are written, so either may be used afterwards. Null when it does not apply.
    /// </summary>
    private VulkanTensor? FusedLinearLayerNorm(VulkanTensor input, VulkanTensor? residual, VulkanTensor gamma, VulkanTensor beta, float eps)
    {
        if (_pending is not { } pending || residual == null || input.Storage != pending.Output.Storage ||
            input.LastDim != pending.Weight.OutFeatures ||
            _backend.Catalog.MatmulLayerNorm(pending.Weight.Float16, pending.Weight.OutFeatures, pending.Output.Half) is not { } fused)
            return null;
        _pending = null;
        var w = pending.Weight;
        long rows = pending.Input.Rows;
        bool half = pending.Output.Half;
        // The linear's input may already be released: its memory must not become the output it is read into.
        var output = NewTensor(input.Shape, DeviceDType.Float32, avoid: pending.Input.Storage.Single, half: half);
        (residual, gamma, beta) = (As(residual, half), As(gamma, half: false), As(beta, half: false));
        var grid = _backend.Catalog.Grid((rows + fused.Rows - 1) / fused.Rows);
        _recorder.Dispatch(Kernel(fused.Spec, half),
            [pending.Input.Storage.Single, w.Weight.Single, w.Bias ?? _backend.Placeholder, residual.Storage.Single, gamma.Storage.Single,
             beta.Storage.Single, pending.Output.Storage.Single, output.Storage.Single],
            new PC.MatmulLayerNorm((uint)rows, (uint)w.OutFeatures, (uint)w.InFeatures, w.HasBias ? 1u : 0u, eps), grid.X, grid.Y);
        ReleaseConversions();
        return output;
    }

    /// <summary>
    /// The split-K GEMM's arrival counters: one small buffer per pass, zeroed once when first used; every split dispatch
    /// leaves its counters at zero again.
    /// </summary>
    private GpuBuffer SplitArrivals()
    {
        _splitArrivals ??= _backend.Pool.Rent(4L * KernelCatalog.SplitCounters);
        if (!_splitArrivalsZeroed)
        {
            _recorder.Fill(_splitArrivals, 0);
            _splitArrivalsZeroed = true;
        }
        return _splitArrivals;
    }

    private (long X, long Y) MatmulGroups(MatmulTiles tiles, long m, long n, string op)
    {
        long groupsX = (n + tiles.BlockN - 1) / tiles.BlockN;
        long groupsY = (m + tiles.BlockM - 1) / tiles.BlockM;
        _backend.Catalog.CheckGroupCount(groupsX, 0, $"{op} with {n} outputs");
        _backend.Catalog.CheckGroupCount(groupsY, 1, $"{op} over {m} rows");
        return (groupsX, groupsY);
    }

    private (long X, long Y) CoopmatGroups(Electra.Vulkan.Gemm.CoopmatTiles tiles, long m, long n, string op)
    {
        long groupsX = (n + tiles.BlockN - 1) / tiles.BlockN;
        long groupsY = (m + tiles.BlockM - 1) / tiles.BlockM;
        _backend.Catalog.CheckGroupCount(groupsX, 0, $"{op} with {n} outputs");
        _backend.Catalog.CheckGroupCount(groupsY, 1, $"{op} over {m} rows");
        return (groupsX, groupsY);
    }

    public ImmutableArray<DeviceTensor> Linears(DeviceTensor x, ImmutableArray<LinearWeight> weights)
    {
        var results = new DeviceTensor[weights.Length];
        Linears(x, weights.AsSpan(), results);
        return ImmutableArray.Create(results);
    }

    /// <summary>
    /// Three same-shaped linears of one input (query, key, value) run as one dispatch over the three weights;
    /// anything else runs one linear after another.
    /// </summary>
    public void Linears(DeviceTensor x, ReadOnlySpan<LinearWeight> weights, Span<DeviceTensor> results)
    {
        if (results.Length != weights.Length)
            throw new InputException($"{weights.Length} weights need {weights.Length} results, got {results.Length}");
        if (weights.Length == 3 && Fusable(weights))
        {
            var (input, w0) = LinearOperands(x, weights[0], "Linears");
            var (_, w1) = LinearOperands(x, weights[1], "Linears");
            var (_, w2) = LinearOperands(x, weights[2], "Linears");
            long m = input.Rows;
            var catalog = _backend.Catalog;
            // Three weights already make three times the workgroups: no split-K here.
            var tiles = catalog.PlanMatmul(m, w0.OutFeatures, w0.InFeatures).Tiles;
            var coopmat = w0.Float16 ? catalog.MatmulCoopmatMultiFor(m) : null;
            var (groupsX, groupsY) = coopmat != null ? CoopmatGroups(catalog.Gemm.TilesFor(m)!, m, w0.OutFeatures, "Linears")
                : MatmulGroups(tiles, m, w0.OutFeatures, "Linears");
            var shape = ImmutableArray.Create([.. input.Shape[..^1], w0.OutFeatures]);
            bool half = input.Half;
            var (y0, y1, y2) = (NewTensor(shape, DeviceDType.Float32, half: half), NewTensor(shape, DeviceDType.Float32, half: half),
                NewTensor(shape, DeviceDType.Float32, half: half));
            var none = _backend.Placeholder;
            _recorder.Dispatch(Kernel(coopmat ?? catalog.MatmulMulti(w0.Float16, tiles, half)!, half),
                [input.Storage.Single, w0.Weight.Single, w1.Weight.Single, w2.Weight.Single, w0.Bias ?? none, w1.Bias ?? none, w2.Bias ?? none,
                 y0.Storage.Single, y1.Storage.Single, y2.Storage.Single],
                new PC.Matmul((uint)m, (uint)w0.OutFeatures, (uint)w0.InFeatures, (uint)w0.OutFeatures, 0, w0.HasBias ? 1u : 0u, 0,
                    (uint)Math.Max(1, w0.InFeatures)),
                (uint)groupsX, (uint)groupsY, 3);
            (results[0], results[1], results[2]) = (y0, y1, y2);
            return;
        }
        for (int i = 0; i < weights.Length; i++) results[i] = Linear(x, weights[i]);
    }

    /// <summary>Whether the fused kernel serves: the three weights share one shape and format and each fits one binding.</summary>
    private bool Fusable(ReadOnlySpan<LinearWeight> weights)
    {
        if (weights[0] is not VulkanLinearWeight first) return false;
        foreach (var weight in weights)
            if (weight is not VulkanLinearWeight w || w.Weight.Owner != _backend || w.Weight.IsChunked || w.InFeatures != first.InFeatures ||
                w.OutFeatures != first.OutFeatures || w.Float16 != first.Float16 || w.HasBias != first.HasBias)
                return false;
        return _backend.Catalog.MatmulMulti(first.Float16, _backend.Catalog.LargeTiles) is not null;
    }

    private (VulkanTensor Input, VulkanLinearWeight Weight) LinearOperands(DeviceTensor x, LinearWeight weight, string op)
    {
        var input = Single(x, op, "x");
        if (weight is not VulkanLinearWeight w || w.Weight.Owner != _backend)
            throw new InputException($"{op}: weight {weight} was not uploaded to this Vulkan backend");
        if (input.Rank == 0 || input.LastDim != w.InFeatures)
            throw new InputException($"{op}: x {TensorShape.Format(input.Shape)} must end in {w.InFeatures} (weight is [{w.OutFeatures}, {w.InFeatures}])");
        return (input, w);
    }

    public DeviceTensor Activate(DeviceTensor x, Activation activation)
    {
        var input = Single(x, "Activate", "x");
        var output = NewTensor(input.Shape, DeviceDType.Float32, half: input.Half);
        long count = output.ElementCount;
        var grid = _backend.Catalog.Grid(Groups(count));
        _recorder.Dispatch(Kernel(_backend.Catalog.Activate, input.Half),
            [input.Storage.Single, output.Storage.Single], new PC.CountAct((uint)count, (uint)activation), grid.X, grid.Y);
        return output;
    }

    public DeviceTensor LayerNorm(DeviceTensor x, DeviceTensor? residual, DeviceTensor gamma, DeviceTensor beta, float eps)
    {
        var input = Single(x, "LayerNorm", "x");
        var res = residual == null ? null : Single(residual, "LayerNorm", "residual");
        var g = Single(gamma, "LayerNorm", "gamma");
        var b = Single(beta, "LayerNorm", "beta");
        if (input.Rank == 0)
            throw new InputException("LayerNorm: x must have at least one dimension");
        if (res != null) SameShape(input, res, "LayerNorm", "x", "residual");
        int width = input.LastDim;
        if (g.ElementCount != width || b.ElementCount != width)
            throw new InputException($"LayerNorm: gamma {TensorShape.Format(g.Shape)} and beta {TensorShape.Format(b.Shape)} must hold {width} values (the last dimension of x {TensorShape.Format(input.Shape)})");
        if (FusedLinearLayerNorm(input, res, g, b, eps) is { } fused) return fused;

        bool half = input.Half;
        var output = NewTensor(input.Shape, DeviceDType.Float32, half: half);
        long rows = input.Rows;
        if (width == 0 || rows == 0) return output;
        (res, g, b) = (res == null ? null : As(res, half), As(g, half: false), As(b, half: false));
        var grid = _backend.Catalog.Grid(rows);
        _recorder.Dispatch(Kernel(_backend.Catalog.LayerNormFor(width), half),
            [input.Storage.Single, res?.Storage.Single ?? _backend.Placeholder, g.Storage.Single, b.Storage.Single, output.Storage.Single],
            new PC.LayerNorm((uint)rows, (uint)width, res != null ? 1u : 0u, eps), grid.X, grid.Y);
        ReleaseConversions();
        return output;
    }

    public AttentionResult Attention(DeviceTensor q, DeviceTensor k, DeviceTensor v, DeviceTensor keyMask, int heads,
        bool causal, bool returnProbabilities)
    {
        var query = Single(q, "Attention", "q");
        var key = Single(k, "Attention", "k");
        var value = Single(v, "Attention", "v");
        var mask = Single(keyMask, "Attention", "keyMask");
        if (query.Rank != 3 || key.Rank != 3 || value.Rank != 3)
            throw new InputException($"Attention: q, k, v must be [batch, seq, hidden], got {TensorShape.Format(query.Shape)}, {TensorShape.Format(key.Shape)}, {TensorShape.Format(value.Shape)}");
        int batch = query.Shape[0], sq = query.Shape[1], hidden = query.Shape[2], sk = key.Shape[1];
        if (heads <= 0 || hidden % heads != 0)
            throw new InputException($"Attention: hidden size {hidden} is not divisible by {heads} heads");
        SameShape(key, value, "Attention", "k", "v");
        if (key.Shape[0] != batch || key.Shape[2] != hidden)
            throw new InputException($"Attention: k {TensorShape.Format(key.Shape)} must be [{batch}, Sk, {hidden}] to match q {TensorShape.Format(query.Shape)}");
        if (mask.Rank != 2 || mask.Shape[0] != batch || mask.Shape[1] != sk)
            throw new InputException($"Attention: keyMask must be [{batch}, {sk}], got {TensorShape.Format(mask.Shape)}");
        if (causal && sq > sk)
            throw new InputException($"Attention: causal attention needs at least as many keys ({sk}) as queries ({sq})");
        if (sk == 0 && sq > 0)
            throw new InputException("Attention: there are no keys to attend to (Sk = 0)");

        bool half = query.Half;
        var context = NewTensor(query.Shape, DeviceDType.Float32, half: half);
        // The probabilities are a result (output_attentions), read back as they are: float32 whatever the activations.
        var probs = returnProbabilities ? NewTensor([batch, heads, sq, sk], DeviceDType.Float32) : null;
        if (batch == 0 || sq == 0) return new AttentionResult(context, probs);
        (key, value, mask) = (As(key, half), As(value, half), As(mask, half: false));

        var catalog = _backend.Catalog;
        int headDim = hidden / heads;
        float scale = (float)(1.0 / Math.Sqrt(headDim));
        var placeholder = _backend.Placeholder;
        if (probs == null)
        {
            var flash = catalog.FlashAttention(headDim, packed: false);
            long blocks = (sq + KernelCatalog.FlashQueryBlock(flash) - 1) / KernelCatalog.FlashQueryBlock(flash);
            catalog.CheckGroupCount(blocks, 0, "Attention query blocks");
            catalog.CheckGroupCount(heads, 1, "Attention heads");
            catalog.CheckGroupCount(batch, 2, "Attention batch");
            _recorder.Dispatch(Kernel(flash, half),
                [query.Storage.Single, key.Storage.Single, value.Storage.Single, mask.Storage.Single, placeholder, context.Storage.Single],
                new PC.FlashAttention((uint)sq, (uint)sk, (uint)heads, (uint)headDim, causal ? 1u : 0u, scale),
                (uint)blocks, (uint)heads, (uint)batch);
            ReleaseConversions();
            return new AttentionResult(context, null);
        }

        catalog.CheckGroupCount(sq, 0, "Attention queries");
        catalog.CheckGroupCount(heads, 1, "Attention heads");
        catalog.CheckGroupCount(batch, 2, "Attention batch");
        _recorder.Dispatch(Kernel(catalog.Attention(sk), half),
            [query.Storage.Single, key.Storage.Single, value.Storage.Single, mask.Storage.Single,
             context.Storage.Single, probs.Storage.Single],
            new PC.Attention((uint)sq, (uint)sk, (uint)heads, (uint)headDim, causal ? 1u : 0u, 1u, scale),
            (uint)sq, (uint)heads, (uint)batch);
        ReleaseConversions();
        return new AttentionResult(context, probs);
    }

    public DeviceTensor AttentionSegments(DeviceTensor q, DeviceTensor k, DeviceTensor v, DeviceTensor keyMask,
        ImmutableArray<int> segmentStarts, int heads, bool causal)
    {
        var query = Single(q, "AttentionSegments", "q");
        var key = Single(k, "AttentionSegments", "k");
        var value = Single(v, "AttentionSegments", "v");
        var mask = Single(keyMask, "AttentionSegments", "keyMask");
        var (rows, hidden) = AttentionSegmentChecks.Validate(query, key, value, mask, segmentStarts, heads);
        bool half = query.Half;
        var context = NewTensor(query.Shape, DeviceDType.Float32, half: half);
        if (rows == 0) return context;
        (key, value, mask) = (As(key, half), As(value, half), As(mask, half: false));

        // The shader reads each query row's segment bounds instead of searching the offsets.
        var bounds = new int[2 * rows];
        for (int s = 0; s + 1 < segmentStarts.Length; s++)
        {
            int start = segmentStarts[s], end = segmentStarts[s + 1];
            for (int r = start; r < end; r++)
            {
                bounds[2 * r] = start;
                bounds[2 * r + 1] = end;
            }
        }
        var boundsTensor = (VulkanTensor)UploadInt(bounds, [rows, 2]);

        var catalog = _backend.Catalog;
        int headDim = hidden / heads;
        var flash = catalog.FlashAttention(headDim, packed: true);
        long blocks = (rows + KernelCatalog.FlashQueryBlock(flash) - 1) / KernelCatalog.FlashQueryBlock(flash);
        catalog.CheckGroupCount(blocks, 0, "AttentionSegments query blocks");
        catalog.CheckGroupCount(heads, 1, "AttentionSegments heads");
        _recorder.Dispatch(Kernel(flash, half),
            [query.Storage.Single, key.Storage.Single, value.Storage.Single, mask.Storage.Single,
             boundsTensor.Storage.Single, context.Storage.Single],
            new PC.FlashAttention((uint)rows, (uint)rows, (uint)heads, (uint)headDim, causal ? 1u : 0u, (float)(1.0 / Math.Sqrt(headDim))),
            (uint)blocks, (uint)heads, 1);
        Release(boundsTensor);
        ReleaseConversions();
        return context;
    }

    public DeviceTensor ConcatSequence(DeviceTensor first, DeviceTensor second)
    {
        var a = Single(first, "ConcatSequence", "first");
        var b = Single(second, "ConcatSequence", "second");
        if (a.Rank != 3 || b.Rank != 3 || a.Shape[0] != b.Shape[0] || a.Shape[2] != b.Shape[2])
            throw new InputException($"ConcatSequence: expected [B, S1, H] and [B, S2, H], got {TensorShape.Format(a.Shape)} and {TensorShape.Format(b.Shape)}");
        var output = NewTensor([a.Shape[0], a.Shape[1] + b.Shape[1], a.Shape[2]], DeviceDType.Float32, half: a.Half);
        b = As(b, a.Half);
        long count = output.ElementCount;
        var grid = _backend.Catalog.Grid(Groups(count));
        _recorder.Dispatch(Kernel(_backend.Catalog.Concat, a.Half),
            [a.Storage.Single, b.Storage.Single, output.Storage.Single],
            new PC.Concat((uint)count, (uint)a.Shape[1], (uint)b.Shape[1], (uint)a.Shape[2]), grid.X, grid.Y);
        ReleaseConversions();
        return output;
    }

    public DeviceTensor SelectPositions(DeviceTensor x, DeviceTensor positions)
    {
        var input = Single(x, "SelectPositions", "x");
        var pos = Int(positions, "SelectPositions", "positions");
        if (input.Rank != 3)
            throw new InputException($"SelectPositions: x must be [B, S, H], got {TensorShape.Format(input.Shape)}");
        int batch = input.Shape[0], seq = input.Shape[1], width = input.Shape[2];
        if (pos.Rank != 1 || pos.Shape[0] != batch)
            throw new InputException($"SelectPositions: positions must be [{batch}], got {TensorShape.Format(pos.Shape)}");
        var host = pos.HostInts!;
        for (int b = 0; b < host.Length; b++)
            if ((uint)host[b] >= (uint)seq)
                throw new InputException($"SelectPositions: position {host[b]} of batch row {b} is outside the sequence length {seq}");
        var output = NewTensor([batch, width], DeviceDType.Float32, half: input.Half);
        long count = output.ElementCount;
        var grid = _backend.Catalog.Grid(Groups(count));
        _recorder.Dispatch(Kernel(_backend.Catalog.SelectPositions, input.Half),
            [input.Storage.Single, pos.Storage.Single, output.Storage.Single],
            new PC.SeqReduce((uint)count, (uint)seq, (uint)width), grid.X, grid.Y);
        return output;
    }

    public DeviceTensor MeanOverSequence(DeviceTensor x)
    {
        var input = Single(x, "MeanOverSequence", "x");
        if (input.Rank != 3)
            throw new InputException($"MeanOverSequence: x must be [B, S, H], got {TensorShape.Format(input.Shape)}");
        int batch = input.Shape[0], seq = input.Shape[1], width = input.Shape[2];
        if (seq == 0)
            throw new InputException("MeanOverSequence: the sequence is empty (S = 0)");
        var output = NewTensor([batch, width], DeviceDType.Float32, half: input.Half);
        long count = output.ElementCount;
        var grid = _backend.Catalog.Grid(Groups(count));
        _recorder.Dispatch(Kernel(_backend.Catalog.MeanOverSequence, input.Half),
            [input.Storage.Single, output.Storage.Single],
            new PC.SeqReduce((uint)count, (uint)seq, (uint)width), grid.X, grid.Y);
        return output;
    }

    /// <summary>The pipeline of a kernel in its variant for float16 or float32 activations.</summary>
    private ComputeKernel Kernel(KernelSpec spec, bool half) => _backend.Kernels.Get(KernelCatalog.ForActivations(spec, half));

    // Copies made by As for the operation being recorded, released once it is.
    private readonly List<VulkanTensor> _conversions = new();

    /// <summary>
    /// <paramref name="t"/> with float16 (<paramref name="half"/>) or float32 elements: itself, or a converted copy
    /// (convert.comp) released after the operation by <see cref="ReleaseConversions"/>. A forward never needs one (each kernel
    /// stores the type its inputs have); a tensor uploaded from the host and mixed into float16 work, or a float16
    /// activation passed where float32 parameters go, does.
    /// </summary>
    private VulkanTensor As(VulkanTensor t, bool half)
    {
        if (t.Half == half || t.DType != DeviceDType.Float32) return t;
        var converted = NewTensor(t.Shape, DeviceDType.Float32, half: half);
        _conversions.Add(converted);
        long count = t.ElementCount;
        if (count == 0) return converted;
        var grid = _backend.Catalog.Grid(Groups(count));
        _recorder.Dispatch(Kernel(_backend.Catalog.Convert, half), [t.Storage.Single, converted.Storage.Single],
            new PC.Count((uint)count), grid.X, grid.Y);
        return converted;
    }

    private void ReleaseConversions()
    {
        foreach (var t in _conversions) Release(t);
        _conversions.Clear();
    }

    private long Groups(long count) => (count + _backend.Catalog.ElementwiseGroup - 1) / _backend.Catalog.ElementwiseGroup;

    private VulkanTensor Float(DeviceTensor tensor, string op, string argument)
    {
        var t = Use(tensor, op, argument);
        if (t.DType != DeviceDType.Float32)
            throw new InputException($"{op}: {argument} must be float32, got int32 {TensorShape.Format(t.Shape)}");
        return t;
    }

    private VulkanTensor Int(DeviceTensor tensor, string op, string argument)
    {
        var t = Use(tensor, op, argument);
        if (t.DType != DeviceDType.Int32 || t.HostInts == null)
            throw new InputException($"{op}: {argument} must be an int32 tensor from UploadInt, got {t.DType} {TensorShape.Format(t.Shape)}");
        return t;
    }

    /// <summary>A float tensor held in one buffer (weights split into chunks only serve Gather and Linear).</summary>
    private VulkanTensor Single(DeviceTensor tensor, string op, string argument)
    {
        var t = Float(tensor, op, argument);
        if (t.Storage.IsChunked)
            throw new BackendException($"{op}: {argument} {TensorShape.Format(t.Shape)} is split across {t.Storage.Chunks.Count} device buffers and can only be used by Gather or Linear");
        return t;
    }

    private static void SameShape(VulkanTensor a, VulkanTensor b, string op, string nameA, string nameB)
    {
        if (!a.Shape.SequenceEqual(b.Shape))
            throw new InputException($"{op}: {nameA} {TensorShape.Format(a.Shape)} and {nameB} {TensorShape.Format(b.Shape)} must have the same shape");
    }
}
