using System.Collections.Immutable;
using Electra.Core.Backend;
using Electra.Core.Tensors;

namespace Electra.Models.Forward;

/// <summary>
/// What a head's forward over a <see cref="RaggedBatch"/> works with: the pass and the batch, whose rows lie end to
/// end in the hidden state [T, H]. Per-token outputs are read as they are (there is no padding to put back); per-row
/// outputs gather one position of each row. A struct, so that a forward allocates nothing for it.
/// </summary>
internal readonly struct RowRun(IForwardPass pass, RaggedBatch batch)
{
    public IForwardPass Pass => pass;
    public RaggedBatch Batch => batch;

    public Scoped Scope(DeviceTensor tensor) => pass.Scope(tensor);

    /// <summary>A per-token output [T, W] read back as each row's vectors.</summary>
    public TokenValues Tokens(DeviceTensor t) => new(Host(t), batch.RowStarts);

    /// <summary>A per-row output [N, W] read back.</summary>
    public RowValues Rows(DeviceTensor t) => new(Host(t));

    /// <summary>The hidden state of each row's first token → [N, H], owned by the caller.</summary>
    public DeviceTensor First(DeviceTensor hidden) => Pick(hidden, batch.RowStarts.AsSpan(0, batch.Count));

    /// <summary>The hidden state of each row's last token → [N, H], owned by the caller.</summary>
    public DeviceTensor Last(DeviceTensor hidden)
    {
        var ends = new int[batch.Count];
        for (int r = 0; r < ends.Length; r++) ends[r] = batch.RowStarts[r + 1] - 1;
        return Pick(hidden, ends);
    }

    private DeviceTensor Pick(DeviceTensor hidden, ReadOnlySpan<int> tokens)
    {
        using var index = pass.Scope(pass.UploadInt(tokens, [tokens.Length]));
        return pass.Gather(hidden, index);
    }

    private HostTensor Host(DeviceTensor t) =>
        new(t.Rank == 2 ? t.Shape : ImmutableArray.Create((int)t.Rows, t.LastDim), pass.Read(t));
}
