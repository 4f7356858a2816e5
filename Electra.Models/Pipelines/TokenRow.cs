namespace Electra.Models.Pipelines;

/// <summary>
/// One sequence to run: ids with special tokens, token type ids of the same length, and the length of the prompt
/// it starts with (sentence embeddings leave a prompt out of the pooling; 0 elsewhere).
/// </summary>
internal readonly record struct TokenRow(int[] InputIds, int[] TokenTypeIds, int PromptLength = 0)
{
    public int Length => InputIds.Length;

    /// <summary>An encoding's ids and token types (special tokens included, unpadded).</summary>
    public static TokenRow Of(Electra.Tokenizer.BertEncoding encoding, int promptLength = 0) =>
        new(encoding.InputIds.ToArray(), encoding.TokenTypeIds.ToArray(), promptLength);
}
