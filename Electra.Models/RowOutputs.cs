using System.Collections.Immutable;
using Electra.Core.Tensors;

namespace Electra.Models;

/// <summary>
/// What a forward of a <see cref="RaggedBatch"/> returns, typed by what the head gives per row: a closed set of
/// <see cref="TokenValues"/> (a vector per token: ElectraModel's last hidden state, the logits of the pre-training,
/// masked-LM, causal-LM and token-classification heads), <see cref="StartEndLogits"/> (question answering) and
/// <see cref="RowValues"/> (a vector per row: sequence classification, multiple choice, pooled embeddings).
/// Values are equal when their shapes and values are.
/// </summary>
public abstract record RowOutputs
{
    private protected RowOutputs() { }

    /// <summary>Rows N.</summary>
    public abstract int Count { get; }
}

/// <summary>
/// A vector of <see cref="Width"/> values per token of every row: row r's tokens are
/// <c>RowStarts[r] .. RowStarts[r + 1] − 1</c> of <see cref="Values"/> [T, Width].
/// </summary>
/// <example><code>var rowLogits = model.Forward&lt;TokenValues&gt;(batch).Row(0).Span;   // [length × Width]</code></example>
public sealed record TokenValues(HostTensor Values, ImmutableArray<int> RowStarts) : RowOutputs
{
    public override int Count => RowStarts.Length - 1;

    /// <summary>Values per token.</summary>
    public int Width => Values.Shape[^1];

    /// <summary>Tokens of row <paramref name="row"/>.</summary>
    public int RowLength(int row) => RowStarts[row + 1] - RowStarts[row];

    /// <summary>Row <paramref name="row"/>'s values, [length, Width] row-major.</summary>
    public ReadOnlyMemory<float> Row(int row) => Values.Data.Slice(RowStarts[row] * Width, RowLength(row) * Width);

    public bool Equals(TokenValues? other) =>
        ReferenceEquals(this, other) ||
        other is not null && Values.Equals(other.Values) && RowStarts.AsSpan().SequenceEqual(other.RowStarts.AsSpan());

    public override int GetHashCode() => Values.GetHashCode();
}

/// <summary>Question answering's two logits per token of every row (ElectraForQuestionAnswering's qa_outputs).</summary>
public sealed record StartEndLogits(TokenValues StartLogits, TokenValues EndLogits) : RowOutputs
{
    public override int Count => StartLogits.Count;
}

/// <summary>One vector of <see cref="Width"/> values per row: <see cref="Values"/> [N, Width].</summary>
/// <example><code>var labels = model.Forward&lt;RowValues&gt;(batch).Row(2).Span;   // the third row's logits</code></example>
public sealed record RowValues(HostTensor Values) : RowOutputs
{
    public override int Count => Values.Shape[0];

    /// <summary>Values per row.</summary>
    public int Width => Values.Shape[^1];

    /// <summary>Row <paramref name="row"/>'s vector.</summary>
    public ReadOnlyMemory<float> Row(int row) => Values.Data.Slice(row * Width, Width);
}
