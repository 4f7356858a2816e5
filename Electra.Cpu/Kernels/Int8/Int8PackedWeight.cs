using System.Runtime.CompilerServices;
using Electra.Core.Errors;

namespace Electra.Cpu.Kernels.Int8;

/// <summary>
/// A linear layer's weight [Out, In] quantized once to int8 and prepacked for the int8 microkernels. Quantization is
/// ONNX Runtime <c>quantize_dynamic</c>'s default for weights: symmetric, zero point 0, codes in [−127, 127],
/// scale = max|w| / 127 (per tensor, or per output channel), code = round-half-to-even(w / scale).
/// Layout: column panels of <see cref="PanelWidth"/> outputs; inside a panel, for each group of 4 inputs ("quad"),
/// the 4 bytes of every column in turn ([quads][PanelWidth][4]), so one 32-byte load holds 8 columns × 4 inputs,
/// which is what <c>vpdpbusd</c> and <c>vpmaddubsw</c> take. Inputs past In are zero. Per column it also keeps the
/// sum of its codes (to undo the activation's zero point), its scale and its bias (which the kernels add); for
/// <see cref="Int8Isa.Avx2"/>, per panel and pair of quads, whether the pair must be split because some int16 lane of
/// <see cref="Avx2Dot"/>'s paired step could leave int16 (4 weights with Σ|w| &gt; 255).
/// </summary>
public sealed class Int8PackedWeight
{
    readonly sbyte[] _storage; // pinned, like every array below: the kernels read them through raw pointers
    readonly int _offset;      // first byte at a 64-byte boundary
    readonly int[] _columnSums;
    readonly float[] _columnScales;
    readonly float[] _columnBiases; // the bias padded to whole panels, −0 where there is none (see ColumnBiases)
    readonly byte[]? _splitPairs; // [panel][quads / 2], Avx2 only
    readonly bool[]? _panelHasSplits; // per panel: whether any of its pairs is split

    Int8PackedWeight(Int8Isa isa, int outFeatures, int inFeatures, bool perChannel, sbyte[] storage, int offset,
        int[] columnSums, float[] columnScales, ReadOnlySpan<float> bias, bool hasBias, byte[]? splitPairs)
    {
        Isa = isa;
        OutFeatures = outFeatures;
        InFeatures = inFeatures;
        PerOutputChannel = perChannel;
        PanelWidth = Int8IsaDetection.PanelWidth(isa);
        PanelCount = (outFeatures + PanelWidth - 1) / PanelWidth;
        Quads = (inFeatures + 3) / 4;
        _storage = storage;
        _offset = offset;
        _columnSums = columnSums;
        _columnScales = columnScales;
        HasBias = hasBias;
        _columnBiases = GC.AllocateArray<float>(PanelCount * PanelWidth, pinned: true);
        _columnBiases.AsSpan().Fill(-0f);
        if (hasBias) bias.CopyTo(_columnBiases);
        _splitPairs = splitPairs;
        if (splitPairs is { Length: > 0 })
        {
            _panelHasSplits = new bool[PanelCount];
            for (int p = 0; p < PanelCount; p++)
                _panelHasSplits[p] = splitPairs.AsSpan(p * PairsPerPanel, PairsPerPanel).ContainsAnyExcept((byte)0);
        }
    }

    public Int8Isa Isa { get; }
    /// <summary>N: output features.</summary>
    public int OutFeatures { get; }
    /// <summary>K: input features.</summary>
    public int InFeatures { get; }
    /// <summary>One scale per output channel (true) or one for the whole tensor (false).</summary>
    public bool PerOutputChannel { get; }
    public int PanelWidth { get; }
    public int PanelCount { get; }
    /// <summary>Groups of 4 inputs: K rounded up to a multiple of 4, divided by 4.</summary>
    public int Quads { get; }
    public bool HasBias { get; }
    public ReadOnlySpan<float> Bias => HasBias ? _columnBiases.AsSpan(0, OutFeatures) : default;
    /// <summary>Scale of output channel c (the same for all with per-tensor quantization).</summary>
    public float Scale(int c) => _columnScales[c];

    /// <summary>The int8 code of w[c, k] (for tests and diagnostics).</summary>
    public sbyte Code(int c, int k)
    {
        int p = c / PanelWidth, j = c % PanelWidth;
        return _storage[_offset + (long)p * PanelWidth * Quads * 4 + ((long)(k / 4) * PanelWidth + j) * 4 + k % 4];
    }

    internal unsafe sbyte* Panels => (sbyte*)Unsafe.AsPointer(ref _storage[_offset]);
    internal unsafe int* ColumnSums => (int*)Unsafe.AsPointer(ref _columnSums[0]);
    internal unsafe float* ColumnScales => (float*)Unsafe.AsPointer(ref _columnScales[0]);
    /// <summary>
    /// The bias of every column, padded to whole panels, for the kernels' rescale to add (<see cref="Int8Epilogue.ColBias"/>):
    /// −0 for a weight without bias and past OutFeatures, since x + (−0) is x for every float a rescale produces (±0,
    /// quiet NaN and subnormals included), so the unbiased product keeps its bits.
    /// </summary>
    internal unsafe float* ColumnBiases => (float*)Unsafe.AsPointer(ref _columnBiases[0]);
    /// <summary>Pairs of quads per panel in <see cref="SplitPairs"/>.</summary>
    internal int PairsPerPanel => Quads / 2;
    /// <summary>Per panel and pair of quads, non-zero where the kernel must run the pair as two single quads; null: none.</summary>
    internal unsafe byte* SplitPairs => _splitPairs is { Length: > 0 } s ? (byte*)Unsafe.AsPointer(ref s[0]) : null;

    /// <summary>Panel <paramref name="panel"/>'s split pairs (<see cref="PairsPerPanel"/> bytes), or null where it has none.</summary>
    internal unsafe byte* PanelSplitPairs(int panel) =>
        _panelHasSplits is { } any && any[panel] ? SplitPairs + (long)panel * PairsPerPanel : null;

    /// <summary>The share of pairs of quads that run as two single steps (0 where the kernel has no paired step).</summary>
    public double SplitPairFraction => _splitPairs is { Length: > 0 } s ? (double)s.Count(b => b != 0) / s.Length : 0;

    /// <summary>Quantizes and packs <paramref name="weight"/> [outFeatures, inFeatures] row-major, with an optional bias.</summary>
    /// <exception cref="WeightMismatchException">the spans do not have the stated sizes.</exception>
    public static Int8PackedWeight Pack(ReadOnlySpan<float> weight, int outFeatures, int inFeatures,
        ReadOnlySpan<float> bias = default, bool hasBias = false, bool perOutputChannel = false, Int8Isa? isa = null) =>
        Pack(weight, outFeatures, inFeatures, bias, hasBias, perOutputChannel, isa, pool: null);

    /// <summary>Array overload.</summary>
    public static Int8PackedWeight Pack(float[] weight, int outFeatures, int inFeatures, float[]? bias = null,
        bool perOutputChannel = false, Int8Isa? isa = null) =>
        Pack(weight, outFeatures, inFeatures, bias, bias != null, perOutputChannel, isa);

    internal static unsafe Int8PackedWeight Pack(ReadOnlySpan<float> weight, int outFeatures, int inFeatures,
        ReadOnlySpan<float> bias, bool hasBias, bool perOutputChannel, Int8Isa? isa, WorkerPool? pool)
    {
        var chosen = isa ?? Int8IsaDetection.Best;
        PackedWeight.CheckShapes(weight, outFeatures, inFeatures, bias, hasBias);

        int nr = Int8IsaDetection.PanelWidth(chosen), panels = (outFeatures + nr - 1) / nr, quads = (inFeatures + 3) / 4;
        long length = (long)panels * nr * quads * 4;
        if (length > Array.MaxLength - 64)
            throw new WeightMismatchException("linear.weight", $"linear weight [{outFeatures}, {inFeatures}] is too large to pack");
        var storage = GC.AllocateArray<sbyte>((int)length + 64, pinned: true);
        int offset = AlignedMemory.FirstAlignedIndex(storage);
        var sums = GC.AllocateArray<int>(panels * nr, pinned: true);
        var scales = GC.AllocateArray<float>(panels * nr, pinned: true);
        var split = chosen == Int8Isa.Avx2 ? GC.AllocateArray<byte>(panels * (quads / 2), pinned: true) : null;

        // The scale: max |w| / 127 over the tensor or the channel; an all-zero tensor gets 1 (its codes are 0 anyway).
        if (perOutputChannel)
            for (int c = 0; c < outFeatures; c++) scales[c] = ScaleOf(weight.Slice(c * inFeatures, inFeatures));
        else
            scales.AsSpan(0, outFeatures).Fill(ScaleOf(weight));

        fixed (float* source = weight)
        fixed (sbyte* target = &storage[offset])
        fixed (int* pSums = sums)
        fixed (float* pScales = scales)
        fixed (byte* pSplit = split)
        {
            var job = new PackJob(source, target, pSums, pScales, pSplit, outFeatures, inFeatures, nr, quads);
            if (pool is null) for (int p = 0; p < panels; p++) job.RunTile(p);
            else pool.Run(job, panels);
        }
        return new Int8PackedWeight(chosen, outFeatures, inFeatures, perOutputChannel, storage, offset, sums, scales,
            bias, hasBias, split);
    }

    /// <summary>max |w| / 127 as quantize_dynamic computes it (2·max|w| / (127 − (−127))), 1 for all zeros; NaN stays NaN.</summary>
    internal static float ScaleOf(ReadOnlySpan<float> values)
    {
        float max = Math.Abs(System.Numerics.Tensors.TensorPrimitives.MaxMagnitude(values));
        return max == 0 ? 1f : (float)(2.0 * max / 254.0);
    }

    /// <summary>round-half-to-even(w / scale) clamped to [−127, 127].</summary>
    internal static sbyte Quantize(float w, float scale) => (sbyte)Math.Clamp(MathF.Round(w / scale), -127f, 127f);

    public override string ToString() =>
        $"Int8PackedWeight(out {OutFeatures}, in {InFeatures}, {Isa}, {(PerOutputChannel ? "per channel" : "per tensor")}, bias {HasBias})";

    /// <summary>
    /// Largest Σ|w| over the 4 weights that share an int16 lane of <see cref="Avx2Dot"/>'s paired step: 128 · 255 =
    /// 32640 is the most an int16 lane can take with |a| ≤ 128.
    /// </summary>
    internal const int PairedLaneBound = 255;

    /// <summary>Quantizes and writes one column panel per tile, with its column sums (and split pairs where kept).</summary>
    sealed unsafe class PackJob(float* weight, sbyte* packed, int* sums, float* scales, byte* split, int outFeatures, int inFeatures,
        int nr, int quads) : TileJob
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void RunTile(int p)
        {
            sbyte* panel = packed + (long)p * nr * quads * 4;
            int cols = Math.Min(nr, outFeatures - p * nr);
            for (int j = 0; j < cols; j++)
            {
                int c = p * nr + j, sum = 0;
                float scale = scales[c];
                float* row = weight + (long)c * inFeatures;
                for (int k = 0; k < inFeatures; k++)
                {
                    sbyte q = Quantize(row[k], scale);
                    panel[((long)(k >> 2) * nr + j) * 4 + (k & 3)] = q;
                    sum += q;
                }
                sums[c] = sum;
            }
            if (split != null) MarkSplitPairs(panel, split + (long)p * (quads / 2));
        }

        /// <summary>
        /// Pair t (quads 2t and 2t+1) of the panel is split where, for some column, the weights at k offsets 0, 1 of
        /// both quads (one int16 lane of the paired step) or at offsets 2, 3 (the other) have Σ|w| above the bound.
        /// </summary>
        void MarkSplitPairs(sbyte* panel, byte* pairs)
        {
            for (int t = 0; t < quads / 2; t++)
            {
                sbyte* q0 = panel + (long)2 * t * nr * 4, q1 = q0 + nr * 4;
                bool split = false;
                for (int j = 0; j < nr && !split; j++)
                {
                    sbyte* u = q0 + 4 * j, v = q1 + 4 * j;
                    split = Math.Abs(u[0]) + Math.Abs(u[1]) + Math.Abs(v[0]) + Math.Abs(v[1]) > PairedLaneBound
                        || Math.Abs(u[2]) + Math.Abs(u[3]) + Math.Abs(v[2]) + Math.Abs(v[3]) > PairedLaneBound;
                }
                pairs[t] = split ? (byte)1 : (byte)0;
            }
        }
    }
}
