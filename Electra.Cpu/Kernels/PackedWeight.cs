using System.Runtime.CompilerServices;
using Electra.Core.Errors;

namespace Electra.Cpu.Kernels;

/// <summary>
/// A linear layer's weight [Out, In] (PyTorch layout) prepacked once for the GEMM microkernel: column panels of
/// <see cref="PanelWidth"/> outputs, each stored k-major ([In][PanelWidth], zero-padded past Out) and 64-byte aligned,
/// so the microkernel streams a panel with aligned, contiguous vector loads.
/// </summary>
public sealed class PackedWeight
{
    readonly float[] _storage; // pinned: the microkernel reads it through raw pointers
    readonly int _offset;      // first element at a 64-byte boundary
    readonly float[]? _bias;   // pinned too

    PackedWeight(GemmIsa isa, int outFeatures, int inFeatures, float[] storage, int offset, float[]? bias)
    {
        Isa = isa;
        OutFeatures = outFeatures;
        InFeatures = inFeatures;
        PanelWidth = GemmIsaDetection.PanelWidth(isa);
        PanelCount = (outFeatures + PanelWidth - 1) / PanelWidth;
        _storage = storage;
        _offset = offset;
        _bias = bias;
    }

    public GemmIsa Isa { get; }
    /// <summary>N: output features (rows of the PyTorch weight).</summary>
    public int OutFeatures { get; }
    /// <summary>K: input features.</summary>
    public int InFeatures { get; }
    public int PanelWidth { get; }
    public int PanelCount { get; }
    public bool HasBias => _bias != null;

    /// <summary>The bias (length Out) or empty.</summary>
    public ReadOnlySpan<float> Bias => _bias;

    internal unsafe float* Panels => (float*)Unsafe.AsPointer(ref _storage[_offset]);
    internal unsafe float* BiasPointer => _bias == null ? null : (float*)Unsafe.AsPointer(ref _bias[0]);

    /// <summary>Packs <paramref name="weight"/> [outFeatures, inFeatures] row-major and an optional bias [outFeatures].</summary>
    /// <exception cref="WeightMismatchException">the spans do not have the stated sizes.</exception>
    public static PackedWeight Pack(ReadOnlySpan<float> weight, int outFeatures, int inFeatures,
        ReadOnlySpan<float> bias = default, bool hasBias = false, GemmIsa? isa = null) =>
        Pack(weight, outFeatures, inFeatures, bias, hasBias, isa, pool: null);

    /// <summary>As the public overload; <paramref name="pool"/>'s threads share the panels when given.</summary>
    internal static PackedWeight Pack(ReadOnlySpan<float> weight, int outFeatures, int inFeatures,
        ReadOnlySpan<float> bias, bool hasBias, GemmIsa? isa, WorkerPool? pool)
    {
        var chosen = isa ?? GemmIsaDetection.Best;
        CheckShapes(weight, outFeatures, inFeatures, bias, hasBias);
        int nr = GemmIsaDetection.PanelWidth(chosen);
        int panels = (outFeatures + nr - 1) / nr;
        long length = (long)panels * nr * inFeatures;
        if (length > Array.MaxLength - 16)
            throw new WeightMismatchException("linear.weight", $"linear weight [{outFeatures}, {inFeatures}] is too large to pack");
        var storage = GC.AllocateUninitializedArray<float>((int)length + 16, pinned: true);
        int offset = AlignedMemory.FirstAlignedIndex(storage);
        unsafe
        {
            fixed (float* source = weight)
            fixed (float* target = &storage[offset])
            {
                var job = new PanelPackJob(source, target, outFeatures, inFeatures, nr);
                if (pool is null) for (int p = 0; p < panels; p++) job.RunTile(p);
                else pool.Run(job, panels);
            }
        }
        return new PackedWeight(chosen, outFeatures, inFeatures, storage, offset, hasBias ? PinnedCopy(bias) : null);
    }

    /// <summary>The checks every packing (float or int8) makes before it reads a weight.</summary>
    /// <exception cref="WeightMismatchException">the spans do not have the stated sizes.</exception>
    internal static void CheckShapes(ReadOnlySpan<float> weight, int outFeatures, int inFeatures, ReadOnlySpan<float> bias, bool hasBias)
    {
        if (outFeatures <= 0 || inFeatures <= 0)
            throw new WeightMismatchException("linear.weight", $"linear weight must be non-empty, got [{outFeatures}, {inFeatures}]");
        if (weight.Length != (long)outFeatures * inFeatures)
            throw new WeightMismatchException("linear.weight",
                $"linear weight holds {weight.Length} values, expected [{outFeatures}, {inFeatures}] = {(long)outFeatures * inFeatures}");
        if (hasBias && bias.Length != outFeatures)
            throw new WeightMismatchException("linear.bias", $"linear bias has {bias.Length} values, expected [{outFeatures}]");
    }

    /// <summary>A pinned copy of <paramref name="values"/> (biases: the kernels read them through raw pointers).</summary>
    internal static float[] PinnedCopy(ReadOnlySpan<float> values)
    {
        var copy = GC.AllocateUninitializedArray<float>(values.Length, pinned: true);
        values.CopyTo(copy);
        return copy;
    }

    /// <summary>Array overload of <see cref="Pack(ReadOnlySpan{float}, int, int, ReadOnlySpan{float}, bool, GemmIsa?)"/>.</summary>
    public static PackedWeight Pack(float[] weight, int outFeatures, int inFeatures, float[]? bias = null, GemmIsa? isa = null) =>
        Pack(weight, outFeatures, inFeatures, bias, bias != null, isa);

    public override string ToString() => $"PackedWeight(out {OutFeatures}, in {InFeatures}, {Isa}, bias {HasBias})";

    /// <summary>Copies one column panel per tile: weight rows p·nr .. p·nr+nr−1 written k-major, zero past Out.</summary>
    sealed unsafe class PanelPackJob(float* weight, float* packed, int outFeatures, int inFeatures, int nr) : TileJob
    {
        // Packing runs once per weight on many megabytes: compiled optimized at once rather than first as
        // unoptimized tier-0 code, which made a process's first model load several times slower.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void RunTile(int p)
        {
            float* panel = packed + (long)p * nr * inFeatures;
            int cols = Math.Min(nr, outFeatures - p * nr);
            Transpose.Panel(weight + (long)p * nr * inFeatures, inFeatures, cols, inFeatures, panel, nr);
        }
    }
}
