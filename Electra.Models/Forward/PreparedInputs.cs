using System.Collections.Immutable;
using Electra.Core.Configuration;
using Electra.Core.Errors;
using Electra.Core.Tensors;

namespace Electra.Models.Forward;

/// <summary>
/// Inputs checked against the model and flattened to [Rows, S] (multiple choice: Rows = B·C), with transformers'
/// defaults filled in. Every id, type and position is range-checked here so that no kernel sees a bad index.
/// The given tensors are read in place, not copied: the forward runs before the caller gets control back.
/// </summary>
internal readonly record struct PreparedInputs(int Batch, int Choices, int Rows, int Seq, ReadOnlyMemory<int>? InputIds,
    ReadOnlyMemory<float>? InputsEmbeds, ReadOnlyMemory<int> AttentionMask, ReadOnlyMemory<int> TokenTypeIds,
    ReadOnlyMemory<int> PositionIds)
{
    /// <summary>Checks and flattens <paramref name="inputs"/>; the defaults it fills in come from <paramref name="defaults"/> (null: new arrays).</summary>
    public static PreparedInputs From(ModelInputs inputs, ElectraConfig config, bool multipleChoice, int pastLength = 0,
        InputDefaults? defaults = null)
    {
        if ((inputs.InputIds is null) == (inputs.InputsEmbeds is null))
            throw new InputException("give exactly one of input_ids and inputs_embeds");
        var leading = inputs.InputIds?.Shape ?? inputs.InputsEmbeds!.Shape.RemoveAt(inputs.InputsEmbeds!.Rank - 1);
        int expectedRank = multipleChoice ? 3 : 2;
        if (leading.Length != expectedRank)
            throw new InputException($"{(inputs.InputIds is null ? "inputs_embeds" : "input_ids")} must be " +
                                     $"{(multipleChoice ? "[batch, choices, seq]" : "[batch, seq]")}, got {TensorShape.Format(leading)}");
        int batch = leading[0], choices = multipleChoice ? leading[1] : 1, seq = leading[^1];
        int rows = batch * choices;
        if (batch == 0 || choices == 0) throw new InputException($"empty batch: input shape {TensorShape.Format(leading)}");
        if (seq == 0) throw new InputException($"empty sequence: input shape {TensorShape.Format(leading)}");
        defaults ??= new InputDefaults();

        ReadOnlyMemory<int>? ids = null;
        if (inputs.InputIds is { } idTensor)
        {
            var span = idTensor.Span;
            for (int i = 0; i < span.Length; i++)
                if ((uint)span[i] >= (uint)config.VocabSize)
                    throw new InputException($"input_ids: id {span[i]} at {Position(i, seq)} is outside the vocabulary [0, {config.VocabSize})");
            ids = idTensor.Data;
        }
        ReadOnlyMemory<float>? embeds = null;
        if (inputs.InputsEmbeds is { } e)
        {
            if (e.Shape[^1] != config.EmbeddingSize)
                throw new InputException($"inputs_embeds: last dimension is {e.Shape[^1]}, embedding_size is {config.EmbeddingSize}");
            embeds = e.Data;
        }

        int keyLength = pastLength + seq;
        var mask = inputs.AttentionMask is { } m
            ? Checked(m, "attention_mask", leading, keyLength)
            : defaults.Filled(1, rows * keyLength);
        var maskSpan = mask.Span;
        for (int i = 0; i < maskSpan.Length; i++)
            if (maskSpan[i] is not (0 or 1))
                throw new InputException($"attention_mask: value {maskSpan[i]} at {Position(i, maskSpan.Length / rows)} is not 0 or 1");
        var types = inputs.TokenTypeIds is { } t ? Checked(t, "token_type_ids", leading) : defaults.Filled(0, rows * seq);
        var typeSpan = types.Span;
        for (int i = 0; i < typeSpan.Length; i++)
            if ((uint)typeSpan[i] >= (uint)config.TypeVocabSize)
                throw new InputException($"token_type_ids: value {typeSpan[i]} at {Position(i, seq)} is outside [0, {config.TypeVocabSize})");

        ReadOnlyMemory<int> positions;
        if (inputs.PositionIds is { } p)
        {
            positions = Checked(p, "position_ids", leading);
        }
        else
        {
            if (keyLength > config.MaxPositionEmbeddings)
                throw new InputException(
                    $"sequence length {keyLength} exceeds max_position_embeddings {config.MaxPositionEmbeddings}; truncate the input");
            positions = defaults.Positions(rows, seq, pastLength);
        }
        var positionSpan = positions.Span;
        for (int i = 0; i < positionSpan.Length; i++)
            if ((uint)positionSpan[i] >= (uint)config.MaxPositionEmbeddings)
                throw new InputException($"position_ids: position {positionSpan[i]} at {Position(i, seq)} is outside [0, {config.MaxPositionEmbeddings})");

        return new PreparedInputs(batch, choices, rows, seq, ids, embeds, mask, types, positions);
    }

    private static string Position(int flatIndex, int seq) => $"row {flatIndex / seq}, token {flatIndex % seq}";

    /// <summary>
    /// The values of a given input of the input's shape, or (<paramref name="keyLength"/> &gt; 0, the attention mask)
    /// of the same leading dimensions and the key length (past plus new tokens).
    /// </summary>
    private static ReadOnlyMemory<int> Checked(HostIntTensor tensor, string name, ImmutableArray<int> leading, int keyLength = -1)
    {
        if (!TensorShape.SameShape(tensor.Shape, leading) && !(keyLength > 0 && KeyShaped(tensor.Shape, leading, keyLength)))
            throw new InputException($"{name}: shape {TensorShape.Format(tensor.Shape)} does not match input shape {TensorShape.Format(leading)}");
        return tensor.Data;
    }

    private static bool KeyShaped(ImmutableArray<int> shape, ImmutableArray<int> leading, int keyLength) =>
        shape.Length == leading.Length && shape.AsSpan(0, shape.Length - 1).SequenceEqual(leading.AsSpan(0, leading.Length - 1)) &&
        shape[^1] == keyLength;
}

/// <summary>
/// The inputs transformers fills in when they are not given (mask of ones, token types of zeros, positions
/// 0..S−1), kept between forwards of the same shape so that a session does not build them again.
/// Not thread-safe: one per session or per running forward.
/// </summary>
internal sealed class InputDefaults
{
    int[] _ones = [], _zeros = [], _positions = [];
    (int Rows, int Seq, int Past) _positionsFor;

    /// <summary><paramref name="count"/> copies of <paramref name="value"/> (0 or 1).</summary>
    public ReadOnlyMemory<int> Filled(int value, int count)
    {
        ref int[] cached = ref value == 0 ? ref _zeros : ref _ones;
        if (cached.Length != count)
        {
            cached = new int[count];
            if (value != 0) cached.AsSpan().Fill(value);
        }
        return cached;
    }

    /// <summary>Positions past .. past + S − 1 in every row.</summary>
    public ReadOnlyMemory<int> Positions(int rows, int seq, int pastLength)
    {
        if (_positionsFor != (rows, seq, pastLength) || _positions.Length != rows * seq)
        {
            _positions = new int[rows * seq];
            for (int r = 0; r < rows; r++)
                for (int s = 0; s < seq; s++) _positions[r * seq + s] = pastLength + s;
            _positionsFor = (rows, seq, pastLength);
        }
        return _positions;
    }
}
