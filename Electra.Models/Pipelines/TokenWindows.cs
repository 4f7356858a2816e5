using Electra.Core.Errors;

namespace Electra.Models.Pipelines;

/// <summary>A window [Start, Stop) over a sequence of tokens.</summary>
public readonly record struct TokenWindow(int Start, int Stop)
{
    public int Length => Stop - Start;
}

/// <summary>
/// Splits a long token sequence into overlapping windows the way HF tokenizers produce overflowing encodings:
/// windows of at most <c>size</c> tokens starting every <c>size − stride</c> tokens, the last one ending at the end.
/// </summary>
public static class TokenWindows
{
    /// <exception cref="InputException">size is not positive, or stride is not smaller than size.</exception>
    public static IReadOnlyList<TokenWindow> Split(int count, int size, int stride)
    {
        if (size <= 0) throw new InputException($"no room for text tokens: the window holds {size} of them");
        if (stride < 0 || stride >= size)
            throw new InputException($"stride {stride} must be at least 0 and smaller than the window's {size} text tokens");
        var windows = new List<TokenWindow>();
        int step = size - stride;
        for (int start = 0; ; start += step)
        {
            int stop = Math.Min(start + size, count);
            windows.Add(new TokenWindow(start, stop));
            if (stop == count) break;
        }
        return windows;
    }

    /// <summary>
    /// For each token, the window where it has the most context on its shorter side (SQuAD's "max context" rule);
    /// ties go to the earlier window.
    /// </summary>
    public static int[] BestWindowPerToken(int count, IReadOnlyList<TokenWindow> windows)
    {
        var best = new int[count];
        var bestContext = new int[count];
        Array.Fill(bestContext, -1);
        for (int w = 0; w < windows.Count; w++)
            for (int t = windows[w].Start; t < windows[w].Stop; t++)
            {
                int context = Math.Min(t - windows[w].Start, windows[w].Stop - 1 - t);
                if (context > bestContext[t])
                {
                    bestContext[t] = context;
                    best[t] = w;
                }
            }
        return best;
    }
}
