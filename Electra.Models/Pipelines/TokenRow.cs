namespace Electra.Models.Pipelines;

/// <summary>One sequence to run: ids with special tokens, and token type ids of the same length.</summary>
internal readonly record struct TokenRow(int[] InputIds, int[] TokenTypeIds)
{
    public int Length => InputIds.Length;

    /// <summary><c>[CLS] ids [SEP]</c> with token type 0.</summary>
    public static TokenRow Single(int cls, ReadOnlySpan<int> ids, int sep)
    {
        var row = new int[ids.Length + 2];
        row[0] = cls;
        ids.CopyTo(row.AsSpan(1));
        row[^1] = sep;
        return new TokenRow(row, new int[row.Length]);
    }
}

/// <summary>A model output to slice per row: per token ([B, S, ...]) or per sequence ([B, ...]).</summary>
internal readonly record struct OutputSpec(string Name, bool PerToken);
