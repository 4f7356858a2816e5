namespace Electra.Tokenizer;

/// <summary>
/// An immutable open-addressing hash table from token text to id, probed with spans: WordPiece's inner loop, where a
/// general Dictionary's comparer indirection costs more than the hash itself.
/// </summary>
internal sealed class SpanIdTable
{
    private readonly record struct Entry(int Start, int Length, int Id, uint Hash);

    private readonly int[] _slots;
    private readonly Entry[] _entries;
    private readonly char[] _pool;
    private readonly int _mask;

    /// <summary>Builds the table; a key given twice keeps its last id.</summary>
    internal SpanIdTable(IReadOnlyList<(string Key, int Id)> items)
    {
        int size = 16;
        while (size < items.Count * 2) size <<= 1;
        _mask = size - 1;
        _slots = new int[size];
        Array.Fill(_slots, -1);
        _pool = new char[items.Sum(i => i.Key.Length)];
        var entries = new List<Entry>(items.Count);
        int used = 0;
        foreach (var (key, id) in items)
        {
            uint h = Hash(key);
            int slot = (int)(h & (uint)_mask);
            while (true)
            {
                int e = _slots[slot];
                if (e < 0)
                {
                    key.CopyTo(_pool.AsSpan(used));
                    _slots[slot] = entries.Count;
                    entries.Add(new Entry(used, key.Length, id, h));
                    used += key.Length;
                    break;
                }
                var existing = entries[e];
                if (existing.Hash == h && _pool.AsSpan(existing.Start, existing.Length).SequenceEqual(key))
                {
                    entries[e] = existing with { Id = id };
                    break;
                }
                slot = (slot + 1) & _mask;
            }
        }
        _entries = entries.ToArray();
    }

    internal bool TryGetValue(ReadOnlySpan<char> key, out int id)
    {
        uint h = Hash(key);
        int slot = (int)(h & (uint)_mask);
        var slots = _slots;
        while (true)
        {
            int e = slots[slot];
            if (e < 0)
            {
                id = -1;
                return false;
            }
            ref readonly var entry = ref _entries[e];
            if (entry.Hash == h && entry.Length == key.Length && key.SequenceEqual(_pool.AsSpan(entry.Start, entry.Length)))
            {
                id = entry.Id;
                return true;
            }
            slot = (slot + 1) & _mask;
        }
    }

    /// <summary>Two chars per multiply; tokens are short, so the loop is a handful of steps.</summary>
    private static uint Hash(ReadOnlySpan<char> key)
    {
        uint h = (uint)key.Length * 0x9E3779B1u;
        var pairs = System.Runtime.InteropServices.MemoryMarshal.Cast<char, uint>(key);
        foreach (uint pair in pairs) h = System.Numerics.BitOperations.RotateLeft((h ^ pair) * 0x85EBCA6Bu, 13);
        if ((key.Length & 1) != 0) h = System.Numerics.BitOperations.RotateLeft((h ^ key[^1]) * 0x85EBCA6Bu, 13);
        h ^= h >> 16;
        h *= 0x7FEB352Du;
        return h ^ (h >> 15);
    }
}
