using Electra.Core.Configuration;
using Electra.Core.Errors;
using Electra.Core.Tensors;

namespace Electra.Models.Forward;

/// <summary>
/// Inputs checked against the model and flattened to [Rows, S] (multiple choice: Rows = B·C), with transformers'
/// defaults filled in. Every id, type and position is range-checked here so that no kernel sees a bad index.
/// </summary>
internal sealed record PreparedInputs(int Batch, int Choices, int Rows, int Seq, int[]? InputIds, float[]? InputsEmbeds,
    int[] AttentionMask, int[] TokenTypeIds, int[] PositionIds)
{
    public static PreparedInputs From(ModelInputs inputs, ElectraConfig config, bool multipleChoice, int pastLength = 0)
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

        int[]? ids = null;
        if (inputs.InputIds is { } idTensor)
        {
            ids = idTensor.Span.ToArray();
            for (int i = 0; i < ids.Length; i++)
                if ((uint)ids[i] >= (uint)config.VocabSize)
                    throw new InputException($"input_ids: id {ids[i]} at {Position(i, seq)} is outside the vocabulary [0, {config.VocabSize})");
        }
        float[]? embeds = null;
        if (inputs.InputsEmbeds is { } e)
        {
            if (e.Shape[^1] != config.EmbeddingSize)
                throw new InputException($"inputs_embeds: last dimension is {e.Shape[^1]}, embedding_size is {config.EmbeddingSize}");
            embeds = e.Span.ToArray();
        }

        int keyLength = pastLength + seq;
        var mask = Optional(inputs.AttentionMask, "attention_mask", leading, rows * seq, 1, allowKeyLength: keyLength, rows);
        for (int i = 0; i < mask.Length; i++)
            if (mask[i] is not (0 or 1))
                throw new InputException($"attention_mask: value {mask[i]} at {Position(i, mask.Length / rows)} is not 0 or 1");
        var types = Optional(inputs.TokenTypeIds, "token_type_ids", leading, rows * seq, 0);
        for (int i = 0; i < types.Length; i++)
            if ((uint)types[i] >= (uint)config.TypeVocabSize)
                throw new InputException($"token_type_ids: value {types[i]} at {Position(i, seq)} is outside [0, {config.TypeVocabSize})");

        int[] positions;
        if (inputs.PositionIds is { } p)
        {
            positions = Optional(p, "position_ids", leading, rows * seq, 0);
        }
        else
        {
            if (keyLength > config.MaxPositionEmbeddings)
                throw new InputException(
                    $"sequence length {keyLength} exceeds max_position_embeddings {config.MaxPositionEmbeddings}; truncate the input");
            positions = new int[rows * seq];
            for (int r = 0; r < rows; r++)
                for (int s = 0; s < seq; s++) positions[r * seq + s] = pastLength + s;
        }
        for (int i = 0; i < positions.Length; i++)
            if ((uint)positions[i] >= (uint)config.MaxPositionEmbeddings)
                throw new InputException($"position_ids: position {positions[i]} at {Position(i, seq)} is outside [0, {config.MaxPositionEmbeddings})");

        return new PreparedInputs(batch, choices, rows, seq, ids, embeds, mask, types, positions);
    }

    private static string Position(int flatIndex, int seq) => $"row {flatIndex / seq}, token {flatIndex % seq}";

    private static int[] Optional(HostIntTensor? tensor, string name, IReadOnlyList<int> leading, int count, int fill,
        int allowKeyLength = -1, int rows = 0)
    {
        if (tensor is null) return Enumerable.Repeat(fill, allowKeyLength > 0 ? rows * allowKeyLength : count).ToArray();
        bool sameShape = TensorShape.SameShape(tensor.Shape, leading);
        bool keyShape = allowKeyLength > 0 && tensor.Shape.Length == leading.Count &&
                        tensor.Shape.Take(leading.Count - 1).SequenceEqual(leading.Take(leading.Count - 1)) &&
                        tensor.Shape[^1] == allowKeyLength;
        if (!sameShape && !keyShape)
            throw new InputException($"{name}: shape {TensorShape.Format(tensor.Shape)} does not match input shape {TensorShape.Format(leading)}");
        return tensor.Span.ToArray();
    }
}
