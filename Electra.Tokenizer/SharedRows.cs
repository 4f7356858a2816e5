using System.Collections.Immutable;
using System.Runtime.InteropServices;

namespace Electra.Tokenizer;

/// <summary>
/// The rows every unpadded single-text encoding of a given length has in common — token type ids all 0, attention
/// mask all 1, special-tokens mask <c>[1, 0, …, 0, 1]</c>, sequence ids <c>[null, 0, …, 0, null]</c> — built once per
/// length and shared by every such <see cref="BertEncoding"/> (immutable arrays cannot be written, so sharing is safe).
/// A batch of short texts then allocates 4 arrays per text fewer, which is most of what two threads contended for.
/// </summary>
internal static class SharedRows
{
    /// <summary>Longest length kept (longer encodings get their own arrays).</summary>
    public const int MaxLength = 1024;

    static readonly int[]?[] s_zeros = new int[MaxLength + 1][];
    static readonly int[]?[] s_ones = new int[MaxLength + 1][];
    static readonly int[]?[] s_specialEnds = new int[MaxLength + 1][];
    static readonly int?[]?[] s_firstSequence = new int?[MaxLength + 1][];

    /// <summary>TokenTypeIds of <c>[CLS] text [SEP]</c>: all 0.</summary>
    public static ImmutableArray<int> TypeIds(int length) => Get(s_zeros, length, static (_, _) => 0);

    /// <summary>AttentionMask without padding: all 1.</summary>
    public static ImmutableArray<int> AttentionMask(int length) => Get(s_ones, length, static (_, _) => 1);

    /// <summary>SpecialTokensMask of <c>[CLS] text [SEP]</c>: 1 at both ends.</summary>
    public static ImmutableArray<int> SpecialTokensMask(int length) =>
        Get(s_specialEnds, length, static (i, n) => i == 0 || i == n - 1 ? 1 : 0);

    /// <summary>SequenceIds of <c>[CLS] text [SEP]</c>: null at both ends, 0 between.</summary>
    public static ImmutableArray<int?> SequenceIds(int length) =>
        Get(s_firstSequence, length, static (i, n) => i == 0 || i == n - 1 ? null : 0);

    static ImmutableArray<T> Get<T>(T[]?[] cache, int length, Func<int, int, T> value)
    {
        var row = Volatile.Read(ref cache[length]);
        if (row is null)
        {
            // Two threads may both build a row; either copy is correct and the last one stays.
            row = new T[length];
            for (int i = 0; i < length; i++) row[i] = value(i, length);
            Volatile.Write(ref cache[length], row);
        }
        return ImmutableCollectionsMarshal.AsImmutableArray(row);
    }
}
