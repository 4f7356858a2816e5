using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Electra.Cpu.Kernels.Int8;

/// <summary>The smallest and the largest value of a tensor, as DynamicQuantizeLinear sees them (both include 0).</summary>
internal readonly record struct ValueRange(float Min, float Max);

/// <summary>
/// Dynamic quantization of a linear's input, as ONNX's DynamicQuantizeLinear defines it: over the tensor (or each row)
/// the range [min(0, x_min), max(0, x_max)] is mapped onto uint8, scale = (max − min) / 255 (1 when max = min),
/// zero point = round-half-to-even(−min / scale) clamped to [0, 255], code = clamp(round-half-to-even(x / scale) + zero
/// point, 0, 255). Codes are written as code − 128 for the kernels that read signed bytes (followed, for the AVX2
/// kernel, by their magnitudes in the second half of the row: <see cref="Int8IsaDetection.ReadsMagnitudes"/>), and each
/// row gets the offset and scale the GEMM epilogue needs. <see cref="Prepare"/> fixes the parameters on the calling thread; then any
/// thread may quantize any rows (<see cref="QuantizeRows"/>), so a GEMM tile quantizes its own rows into its own cache
/// rather than the whole input making an extra trip through memory.
/// </summary>
internal sealed unsafe class ActivationQuantizer
{
    [ThreadStatic] static ActivationQuantizer? t_instance;

    /// <summary>This thread's quantizer (its buffers are reused by the next call on the same thread).</summary>
    public static ActivationQuantizer ForThread => t_instance ??= new ActivationQuantizer();

    readonly RangeJob _range = new();
    byte[] _codes = [];
    int _codesOffset;
    int[] _offsets = [];
    float[] _scales = [];
    readonly TileRanges _partialRanges = new();
    int _k, _zero;
    float _scale;
    bool _signed, _perRow;
    nint _magnitudes; // where a row's magnitudes start (half the stride), or 0

    /// <summary>Codes [rows, Stride] (64-byte aligned) of <see cref="QuantizeAll"/>, valid until the next call on this thread.</summary>
    public byte* Codes => (byte*)Unsafe.AsPointer(ref _codes[_codesOffset]);
    /// <summary>
    /// Bytes per row of codes: whole quads, then 64-byte lines; twice that where the kernel reads magnitudes (the
    /// codes, then from Stride / 2 their magnitudes).
    /// </summary>
    public nint Stride { get; private set; }
    /// <summary>Per row: the epilogue's offset (−zero point, or 128 − zero point for signed bytes).</summary>
    public int* RowOffsets => (int*)Unsafe.AsPointer(ref _offsets[0]);
    /// <summary>Whether each row has its own parameters; otherwise every row shares the tensor's (after <see cref="Prepare"/>).</summary>
    public bool PerRow => _perRow;
    /// <summary>Per row: the activation scale.</summary>
    public float* RowScales => (float*)Unsafe.AsPointer(ref _scales[0]);

    /// <summary>
    /// Fixes the parameters for an input of <paramref name="rows"/> × <paramref name="k"/> read by <paramref name="isa"/>'s
    /// kernel in <paramref name="quads"/> groups of 4 bytes: per row, or over <paramref name="range"/> (the whole input's).
    /// </summary>
    public void Prepare(int rows, int k, int quads, bool perRow, Int8Isa isa, ValueRange range)
    {
        // Rows are padded to whole quads (their weights are 0, the bytes only need to be defined) and to 64 bytes;
        // a stride that is a multiple of 1 KiB gets 64 more so that the kernel's rows do not share L1 sets.
        bool magnitudes = Int8IsaDetection.ReadsMagnitudes(isa);
        nint stride = (4 * quads + 63) / 64 * 64 * (magnitudes ? 2 : 1);
        if (stride % 1024 == 0) stride += 64;
        Stride = stride;
        _magnitudes = magnitudes ? stride / 2 : 0;
        bool signedBytes = Int8IsaDetection.SignedActivations(isa);
        if (_offsets.Length < rows)
        {
            _offsets = GC.AllocateUninitializedArray<int>(rows, pinned: true);
            _scales = GC.AllocateUninitializedArray<float>(rows, pinned: true);
        }
        _k = k; _signed = signedBytes; _perRow = perRow;
        (_scale, _zero) = perRow ? (1f, 0) : Parameters(range.Min, range.Max);
    }

    /// <summary>Quantizes every row into <see cref="Codes"/> on the calling thread.</summary>
    public void QuantizeAll(float* x, nint ldx, int rows)
    {
        long bytes = rows * Stride;
        if (_codes.Length - _codesOffset < bytes)
        {
            _codes = GC.AllocateUninitializedArray<byte>(checked((int)bytes + 64), pinned: true);
            _codesOffset = AlignedMemory.FirstAlignedIndex(_codes);
        }
        QuantizeRows(x, ldx, 0, rows, Codes);
    }

    /// <summary>
    /// Quantizes rows [r0, r1) of x (row stride ldx) to <paramref name="codes"/> (row r0 first, <see cref="Stride"/>
    /// apart) and sets their offsets and scales. Safe on any thread for disjoint rows once <see cref="Prepare"/> ran.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void QuantizeRows(float* x, nint ldx, int r0, int r1, byte* codes)
    {
        int* offsets = RowOffsets;
        float* scales = RowScales;
        for (int r = r0; r < r1; r++)
        {
            float* row = x + r * ldx;
            float scale = _scale;
            int zero = _zero;
            if (_perRow)
            {
                var range = new RangeAccumulator();
                range.Add(row, _k);
                var (min, max) = range.Range;
                (scale, zero) = Parameters(min, max);
            }
            scales[r] = scale;
            offsets[r] = (_signed ? 128 : 0) - zero;
            byte* rowCodes = codes + (r - r0) * Stride;
            QuantizeRow(row, _k, scale, zero, _signed ? (byte)0x80 : (byte)0, rowCodes,
                _magnitudes == 0 ? null : rowCodes + _magnitudes, (int)(_magnitudes == 0 ? Stride : _magnitudes));
        }
    }

    /// <summary>The range of x [rows, k] (row stride ldx), on <paramref name="pool"/>'s threads when it is large.</summary>
    public ValueRange Range(float* x, nint ldx, int rows, int k, WorkerPool? pool)
    {
        int threads = pool?.Threads ?? 1;
        // Tiles of at least ~64K values: below that a parallel dispatch costs more than it saves.
        int tiles = (int)Math.Clamp((long)rows * k / 65536, 1, Math.Min(rows, 4 * threads));
        _partialRanges.Reserve(tiles);
        _range.Set(x, ldx, k, rows, tiles, _partialRanges);
        if (pool is null || tiles == 1) for (int t = 0; t < tiles; t++) _range.RunTile(t);
        else pool.Run(_range, tiles);
        return _partialRanges.Total(tiles);
    }

    /// <summary>DynamicQuantizeLinear's scale and zero point for a range that already includes 0.</summary>
    public static (float Scale, int ZeroPoint) Parameters(float min, float max)
    {
        float scale = max == min ? 1f : (max - min) / 255f;
        int zero = (int)Math.Clamp(MathF.Round(0f - min / scale), 0f, 255f);
        return (scale, zero);
    }

    static (int Start, int End) Chunk(int rows, int tiles, int tile) =>
        ((int)((long)rows * tile / tiles), (int)((long)rows * (tile + 1) / tiles));

    /// <summary>Min and max of each chunk of rows, starting from 0 (the range always includes 0).</summary>
    sealed class RangeJob : TileJob
    {
        float* _x;
        nint _ldx;
        int _k, _rows, _tiles;
        TileRanges _ranges = null!;

        public void Set(float* x, nint ldx, int k, int rows, int tiles, TileRanges ranges)
        {
            _x = x; _ldx = ldx; _k = k; _rows = rows; _tiles = tiles; _ranges = ranges;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void RunTile(int tile)
        {
            var (r0, r1) = Chunk(_rows, _tiles, tile);
            var range = new RangeAccumulator();
            for (int r = r0; r < r1; r++) range.Add(_x + r * _ldx, _k);
            _ranges.Set(tile, range.Range);
        }
    }

    /// <summary>
    /// Codes of one row, then the zero code up to <paramref name="width"/> bytes; when <paramref name="magnitudes"/> is
    /// not null, |code| of the same <paramref name="width"/> signed bytes there too (−128 gives 128).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void QuantizeRow(float* row, int k, float scale, int zero, byte flip, byte* codes, byte* magnitudes, int width)
    {
        int i = 0;
        if (Avx2.IsSupported)
        {
            var vscale = Vector256.Create(scale);
            var vzero = Vector256.Create((float)zero);
            var hi = Vector256.Create(255f);
            var vflip = Vector256.Create(flip);
            // packssdw + packuswb interleave the 128-bit lanes; this puts the four groups of 8 codes back in order.
            var order = Vector256.Create(0, 4, 1, 5, 2, 6, 3, 7);
            for (; i + 32 <= k; i += 32)
            {
                var q0 = Code(Vector256.Load(row + i), vscale, vzero, hi);
                var q1 = Code(Vector256.Load(row + i + 8), vscale, vzero, hi);
                var q2 = Code(Vector256.Load(row + i + 16), vscale, vzero, hi);
                var q3 = Code(Vector256.Load(row + i + 24), vscale, vzero, hi);
                var bytes = Avx2.PackUnsignedSaturate(Avx2.PackSignedSaturate(q0, q1), Avx2.PackSignedSaturate(q2, q3));
                var ordered = Avx2.PermuteVar8x32(bytes.AsInt32(), order).AsByte() ^ vflip;
                Vector256.Store(ordered, codes + i);
                if (magnitudes != null) Vector256.Store(Avx2.Abs(ordered.AsSByte()), magnitudes + i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var vscale = Vector256.Create(scale);
            var vzero = Vector256.Create((float)zero);
            var hi = Vector256.Create(255f);
            var vflip = Vector256.Create(flip);
            for (; i + 32 <= k; i += 32)
            {
                var q0 = PortableCode(Vector256.Load(row + i), vscale, vzero, hi);
                var q1 = PortableCode(Vector256.Load(row + i + 8), vscale, vzero, hi);
                var q2 = PortableCode(Vector256.Load(row + i + 16), vscale, vzero, hi);
                var q3 = PortableCode(Vector256.Load(row + i + 24), vscale, vzero, hi);
                var ordered = Vector256.Narrow(Vector256.Narrow(q0, q1), Vector256.Narrow(q2, q3)) ^ vflip;
                Vector256.Store(ordered, codes + i);
                if (magnitudes != null) Vector256.Store(Vector256.Abs(ordered.AsSByte()).AsByte(), magnitudes + i);
            }
        }
        for (int j = i; j < k; j++)
            codes[j] = (byte)((int)Math.Clamp(MathF.Round(row[j] / scale) + zero, 0f, 255f) ^ flip);
        for (int j = k; j < width; j++) codes[j] = (byte)(zero ^ flip);
        if (magnitudes != null)
            for (int j = i; j < width; j++) magnitudes[j] = (byte)Math.Abs((int)(sbyte)codes[j]);
    }

    /// <summary>
    /// clamp(round-half-to-even(x / scale) + zero, 0, 255) as int32: the same float operations as the scalar form
    /// (a true division, as DynamicQuantizeLinear), then a truncating conversion of a value that is already a whole
    /// number in [0, 255] (Vector256.ConvertToUInt32 has no AVX2 instruction and was the slowest step of the whole
    /// quantization). NaN gives code 0; it only occurs with a NaN scale, whose rows' outputs are NaN through the rescale.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<int> Code(Vector256<float> x, Vector256<float> scale, Vector256<float> zero, Vector256<float> hi) =>
        Avx.ConvertToVector256Int32WithTruncation(
            Vector256.MinNative(Vector256.MaxNative(Vector256.Round(x / scale) + zero, Vector256<float>.Zero), hi));

    /// <summary>The same codes on CPUs without AVX2 (Vector256 there is emulated or two 128-bit halves).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<uint> PortableCode(Vector256<float> x, Vector256<float> scale, Vector256<float> zero, Vector256<float> hi) =>
        Vector256.ConvertToUInt32(Vector256.Min(Vector256.Max(Vector256.Round(x / scale) + zero, Vector256<float>.Zero), hi));
}
