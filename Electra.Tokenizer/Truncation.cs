namespace Electra.Tokenizer;

/// <summary>
/// transformers' slow <c>truncate_sequences</c> (tokenization_utils_base.py) on sequence lengths: how many tokens of
/// each sequence survive and which ids overflow.
/// </summary>
internal static class Truncation
{
    /// <summary>The outcome: tokens kept at the front (right truncation) or back (left) and the overflow window.</summary>
    internal readonly record struct Plan(int KeepFirst, int KeepSecond, int OverflowFrom, int OverflowCount, bool OverflowFromSecond);

    /// <param name="lengthFirst">Tokens of the first sequence.</param>
    /// <param name="lengthSecond">Tokens of the second sequence, or -1 without a pair.</param>
    /// <param name="remove">Tokens to remove (total length minus max_length), &gt; 0.</param>
    /// <param name="strategy">Which sequence loses the tokens; <see cref="TruncationStrategy.None"/> (or only_second
    /// without a pair) keeps everything.</param>
    /// <param name="stride">Tokens of the kept part repeated at the edge of the overflow window (transformers'
    /// <c>stride</c>); longest_first on a pair reports no overflow.</param>
    /// <param name="side">The end tokens are cut from: <see cref="Side.Right"/> keeps the front of a sequence,
    /// <see cref="Side.Left"/> its back.</param>
    internal static Plan Compute(int lengthFirst, int lengthSecond, int remove, TruncationStrategy strategy, int stride, Side side)
    {
        bool hasPair = lengthSecond >= 0;
        int second = Math.Max(lengthSecond, 0);
        var unchanged = new Plan(lengthFirst, second, 0, 0, false);
        if (remove <= 0) return unchanged;

        if (strategy == TruncationStrategy.OnlyFirst || (strategy == TruncationStrategy.LongestFirst && !hasPair))
        {
            // HF logs an error and truncates nothing when the sequence is too short for the cut.
            if (lengthFirst <= remove) return unchanged;
            int window = Math.Min(lengthFirst, stride + remove);
            int from = side == Side.Right ? lengthFirst - window : 0;
            return new Plan(lengthFirst - remove, second, from, window, false);
        }
        if (strategy == TruncationStrategy.LongestFirst)
        {
            int firstRemove = Math.Min(Math.Abs(second - lengthFirst), remove);
            int secondRemove = remove - firstRemove;
            int fromFirst, fromSecond;
            if (lengthFirst > second)
            {
                fromFirst = firstRemove + secondRemove / 2;
                fromSecond = secondRemove - secondRemove / 2;
            }
            else
            {
                fromFirst = secondRemove / 2;
                fromSecond = firstRemove + secondRemove - secondRemove / 2;
            }
            return new Plan(Math.Max(0, lengthFirst - fromFirst), Math.Max(0, second - fromSecond), 0, 0, false);
        }
        if (strategy == TruncationStrategy.OnlySecond && hasPair)
        {
            if (second <= remove) return unchanged;
            int window = Math.Min(second, stride + remove);
            int from = side == Side.Right ? second - window : 0;
            return new Plan(lengthFirst, second - remove, from, window, true);
        }
        return unchanged;
    }
}
