namespace Electra.Tokenizer;

/// <summary>A growable list of (id, start, end, word) produced while tokenizing one text; reused per thread.</summary>
internal sealed class TokenList
{
    internal int[] Ids = new int[64];
    internal int[] Starts = new int[64];
    internal int[] Ends = new int[64];
    internal int[] Words = new int[64];
    internal int Count;
    /// <summary>Index the next word gets.</summary>
    internal int WordCount;
    /// <summary>
    /// False for an ids-only caller: <see cref="Add"/> then writes the id alone and the tokenizer skips mapping spans
    /// back to the original string, bookkeeping only the full encoding reads. Starts, Ends and Words are stale then.
    /// </summary>
    internal bool TracksSpans = true;

    internal void Clear(bool tracksSpans = true)
    {
        Count = 0;
        WordCount = 0;
        TracksSpans = tracksSpans;
    }

    internal void Add(int id, int start, int end, int word)
    {
        if (Count == Ids.Length) Grow();
        Ids[Count] = id;
        if (!TracksSpans)
        {
            Count++;
            return;
        }
        Starts[Count] = start;
        Ends[Count] = end;
        Words[Count] = word;
        Count++;
    }

    private void Grow()
    {
        int n = Ids.Length * 2;
        Array.Resize(ref Ids, n);
        Array.Resize(ref Starts, n);
        Array.Resize(ref Ends, n);
        Array.Resize(ref Words, n);
    }
}
