using Electra.Core.Backend;

namespace Electra.Models.Forward;

/// <summary>
/// What a head's forward works with: the pass, the checked inputs, where its outputs go, and (for an unpadded
/// forward) the packed layout. With a layout the hidden state is the packed [T, H]: per-token outputs are scattered
/// back to [Rows, S, ·] with zeros at padded positions, and position reads go through the layout's read index.
/// A struct, so that a forward allocates nothing for it.
/// </summary>
internal readonly struct HeadRun(IForwardPass pass, in PreparedInputs inputs, ForwardBuffers buffers, OutputSink outputs,
    PackedLayout? layout)
{
    private readonly PreparedInputs _inputs = inputs;

    public IForwardPass Pass => pass;
    public int Rows => _inputs.Rows;
    public int Seq => _inputs.Seq;
    public int Batch => _inputs.Batch;
    public int Choices => _inputs.Choices;

    /// <summary>Whether the hidden state is packed (padding skipped).</summary>
    public bool Packed => layout is not null;

    public Scoped Scope(DeviceTensor tensor) => pass.Scope(tensor);

    /// <summary>A per-row output read as it is into output <paramref name="name"/> of <paramref name="shape"/>.</summary>
    public void Read(DeviceTensor t, string name, ReadOnlySpan<int> shape) => pass.Read(t, outputs.Take(name, shape));

    /// <summary>A per-token output [.., X] into output <paramref name="name"/> of shape [Rows, S] (X = 1) or [Rows, S, X].</summary>
    public void ReadTokens(DeviceTensor t, string name, bool keepLastDim = true) =>
        ReadTokens(t, keepLastDim ? outputs.Take(name, [Rows, Seq, t.LastDim]) : outputs.Take(name, [Rows, Seq]));

    /// <summary>
    /// A per-token output into <paramref name="destination"/> ([Rows, S, X] values): read as it is, or packed [T, X]
    /// scattered back with zeros at the positions that were skipped.
    /// </summary>
    public void ReadTokens(DeviceTensor t, Span<float> destination)
    {
        if (layout is null)
        {
            pass.Read(t, destination);
            return;
        }
        int width = t.LastDim;
        var packed = buffers.ReadBack(layout.Count * width);
        pass.Read(t, packed);
        layout.Scatter(packed, destination, width);
    }

    /// <summary>A buffer for output <paramref name="name"/>, to be filled completely.</summary>
    public Span<float> Take(string name, ReadOnlySpan<int> shape) => outputs.Take(name, shape);

    /// <summary>Scratch of <paramref name="length"/> floats for a per-token output before it is split.</summary>
    public Span<float> Scratch(int length) => buffers.Tokens(length);

    /// <summary>The hidden state of one position per row → [Rows, H], owned by the caller.</summary>
    public DeviceTensor Pick(DeviceTensor hidden, int position)
    {
        if (layout is null)
        {
            using var positions = pass.Scope(pass.UploadInt(buffers.Repeated(position, Rows), [Rows]));
            return pass.SelectPositions(hidden, positions);
        }
        if (layout.ReadIndex.IsEmpty) throw new InvalidOperationException("the packed layout was planned for a per-token head");
        using var index = pass.Scope(pass.UploadInt(layout.ReadIndex, [Rows]));
        return pass.Gather(hidden, index);
    }
}
