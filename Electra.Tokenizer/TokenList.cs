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

    internal void Clear()
    {
        Count = 0;
        WordCount = 0;
    }

    internal void Add(int id, int start, int end, int word)
    {
        if (Count == Ids.Length) Grow();
        Ids[Count] = id;
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
