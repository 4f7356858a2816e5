using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Electra.Core.Errors;
using Electra.Tokenizer;

namespace Electra.Models;

/// <summary>
/// Rows of token ids of different lengths, packed end to end without padding: the input of
/// <see cref="ElectraPretrained.Forward(RaggedBatch, CancellationToken)"/>. Row r is tokens
/// <c>RowStarts[r] .. RowStarts[r + 1] − 1</c>; its positions are 0 .. length − 1, and each row attends to itself only,
/// so every row comes out as it would alone. Equal when the ids, token types and row boundaries are.
/// </summary>
/// <example><code>
/// var batch = RaggedBatch.FromEncodings([tokenizer.Encode("short"), tokenizer.Encode("a longer text")]);
/// var logits = model.Forward&lt;TokenValues&gt;(batch).Row(1);   // the second text's logits, one per token
/// </code></example>
public sealed record RaggedBatch
{
    private RaggedBatch(ImmutableArray<int> inputIds, ImmutableArray<int> tokenTypeIds, ImmutableArray<int> rowStarts)
    {
        InputIds = inputIds;
        TokenTypeIds = tokenTypeIds;
        RowStarts = rowStarts;
    }

    /// <summary>Every row's ids, one after the other: [T].</summary>
    public ImmutableArray<int> InputIds { get; }

    /// <summary>Every row's token type ids, aligned with <see cref="InputIds"/>: [T].</summary>
    public ImmutableArray<int> TokenTypeIds { get; }

    /// <summary>N + 1 ascending offsets into the packed tokens: 0, the start of each later row, then T.</summary>
    public ImmutableArray<int> RowStarts { get; }

    /// <summary>Rows N.</summary>
    public int Count => RowStarts.Length - 1;

    /// <summary>Tokens T over all rows.</summary>
    public int TokenCount => InputIds.Length;

    /// <summary>Tokens of row <paramref name="row"/>.</summary>
    public int RowLength(int row) => RowStarts[row + 1] - RowStarts[row];

    /// <summary>The rows as given; token types default to 0.</summary>
    /// <exception cref="InputException">no rows, an empty row, or a row whose token types are not as long as its ids.</exception>
    public static RaggedBatch FromRows(IReadOnlyList<int[]> inputIds, IReadOnlyList<int[]>? tokenTypeIds = null)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        if (tokenTypeIds is not null && tokenTypeIds.Count != inputIds.Count)
            throw new InputException($"token_type_ids: {tokenTypeIds.Count} rows, input_ids has {inputIds.Count}");
        return Pack(inputIds.Count, r => inputIds[r] ?? throw new ArgumentNullException(nameof(inputIds), $"row {r} is null"),
            tokenTypeIds is null ? null : r => tokenTypeIds[r] ?? throw new ArgumentNullException(nameof(tokenTypeIds), $"row {r} is null"));
    }

    /// <summary>The ids and token types of unpadded encodings (special tokens included, as encoded).</summary>
    /// <exception cref="InputException">no encodings, an empty one, or one with padding (attention mask 0).</exception>
    public static RaggedBatch FromEncodings(IReadOnlyList<BertEncoding> encodings)
    {
        ArgumentNullException.ThrowIfNull(encodings);
        for (int r = 0; r < encodings.Count; r++)
            if (encodings[r].AttentionMask.AsSpan().Contains(0))
                throw new InputException($"encoding {r} is padded; a ragged batch takes its rows unpadded");
        return Pack(encodings.Count, r => encodings[r].InputIds.AsSpan(), r => encodings[r].TokenTypeIds.AsSpan());
    }

    private delegate ReadOnlySpan<int> RowOf(int row);

    private static RaggedBatch Pack(int rows, RowOf ids, RowOf? types)
    {
        if (rows == 0) throw new InputException("a ragged batch needs at least one row");
        var starts = new int[rows + 1];
        for (int r = 0; r < rows; r++)
        {
            int length = ids(r).Length;
            if (length == 0) throw new InputException($"input_ids: row {r} is empty");
            if (types is not null && types(r).Length != length)
                throw new InputException($"token_type_ids: row {r} has {types(r).Length} values, its input_ids {length}");
            starts[r + 1] = checked(starts[r] + length);
        }
        var packedIds = new int[starts[rows]];
        var packedTypes = new int[starts[rows]];
        for (int r = 0; r < rows; r++)
        {
            ids(r).CopyTo(packedIds.AsSpan(starts[r]));
            types?.Invoke(r).CopyTo(packedTypes.AsSpan(starts[r]));
        }
        return new RaggedBatch(ImmutableCollectionsMarshal.AsImmutableArray(packedIds),
            ImmutableCollectionsMarshal.AsImmutableArray(packedTypes), ImmutableCollectionsMarshal.AsImmutableArray(starts));
    }

    /// <summary>Each token's position in its row (0 .. length − 1), as transformers numbers an unpadded row.</summary>
    internal int[] Positions()
    {
        var positions = new int[TokenCount];
        for (int r = 0; r < Count; r++)
            for (int t = RowStarts[r]; t < RowStarts[r + 1]; t++) positions[t] = t - RowStarts[r];
        return positions;
    }

    public bool Equals(RaggedBatch? other) =>
        ReferenceEquals(this, other) ||
        other is not null && RowStarts.AsSpan().SequenceEqual(other.RowStarts.AsSpan()) &&
        InputIds.AsSpan().SequenceEqual(other.InputIds.AsSpan()) && TokenTypeIds.AsSpan().SequenceEqual(other.TokenTypeIds.AsSpan());

    public override int GetHashCode() => HashCode.Combine(Count, TokenCount, TokenCount > 0 ? InputIds[0] : 0, TokenCount > 0 ? InputIds[^1] : 0);

    public override string ToString() => $"RaggedBatch({Count} rows, {TokenCount} tokens)";
}
