namespace Electra.Cpu.Kernels.Int8;

/// <summary>
/// The ranges the tiles of one parallel operation measured, each written by its own tile, then folded into the
/// whole output's range once every tile is done: [min(0, ·), max(0, ·)], as DynamicQuantizeLinear's range includes 0,
/// with a NaN carried to both ends. min and max do not depend on the order, so the range is the same however the
/// tiles were cut. Shared by the range pass, the int8 GEMM's epilogue, the LayerNorm and the attention's context.
/// </summary>
internal sealed class TileRanges
{
    float[] _min = [], _max = [];

    /// <summary>Room for <paramref name="tiles"/> ranges (grows, never shrinks).</summary>
    public void Reserve(int tiles)
    {
        if (_min.Length < tiles) { _min = new float[tiles]; _max = new float[tiles]; }
    }

    /// <summary>Tile <paramref name="tile"/>'s range.</summary>
    public void Set(int tile, ValueRange range) => (_min[tile], _max[tile]) = range;

    /// <summary>The range over tiles [0, <paramref name="tiles"/>), 0 included.</summary>
    public ValueRange Total(int tiles)
    {
        float min = 0, max = 0;
        for (int t = 0; t < tiles; t++) { min = MathF.Min(min, _min[t]); max = MathF.Max(max, _max[t]); }
        return new ValueRange(min, max);
    }
}
