using System.Numerics;
using System.Runtime.InteropServices;

namespace Electra.Tokenizer;

/// <summary>
/// An immutable open-addressing hash table from token text to id, probed with spans: WordPiece's inner loop, where a
/// general Dictionary's comparer indirection costs more than the hash itself.
/// </summary>
/// <remarks>
/// The keys come from a file anyone may write, so no probe may be allowed to walk far: after building, every run of
/// occupied slots (what a lookup of a missing key scans at most) is checked to be at most <see cref="MaxRun"/>
/// slots. The fast hash is seeded per process, and if the keys still crowd it (a file made to collide) the table is
/// rebuilt with .NET's randomized Marvin hash, the one string dictionaries fall back to for the same reason.
/// Building stays linear either way: an insertion that would probe past the bound abandons the attempt.
/// </remarks>
internal sealed class SpanIdTable
{
    private readonly record struct Entry(int Start, int Length, int Id);

    /// <summary>Longest run of occupied slots any lookup may scan; at load ≤ 1/2 a good hash keeps runs far shorter.</summary>
    internal const int MaxRun = 96;

    /// <summary>Seed of the fast hash, drawn once per process so that colliding keys cannot be prepared in advance.</summary>
    internal static readonly uint ProcessSeed = (uint)Random.Shared.Next() | 1u;

    // A slot holds (hash << 32) | (entry index + 1), 0 when empty: a probe that misses usually reads no entry.
    private readonly ulong[] _slots;
    private readonly Entry[] _entries;
    private readonly char[] _pool;
    private readonly int _mask;
    private readonly uint _seed;
    /// <summary>
    /// Per pair of leading ASCII chars, bit n - 1 set when some key of length n (2 to 64) starts with them: WordPiece
    /// probes every length from the longest down, and most probes are misses that this answers without hashing the
    /// piece or touching the slots (a cache miss each). A filter without false negatives, so lookups stay exact.
    /// </summary>
    private readonly ulong[] _lengthsByAsciiPair = new ulong[128 * 128];

    /// <summary>A/B switch for benchmarks: false makes every lookup hash and probe, as without the filter.</summary>
    internal static bool FiltersByLength = true;

    /// <summary>True when the seeded fast hash crowded and lookups use the randomized Marvin hash instead.</summary>
    internal bool UsesMarvin { get; }

    /// <summary>Builds the table; a key given twice keeps its last id.</summary>
    internal SpanIdTable(IReadOnlyList<(string Key, int Id)> items) : this(items, ProcessSeed) { }

    /// <summary>Builds the table with a given fast-hash seed (tests choose one to make keys collide).</summary>
    internal SpanIdTable(IReadOnlyList<(string Key, int Id)> items, uint seed)
    {
        _seed = seed;
        var entries = new List<Entry>(items.Count);
        _pool = new char[items.Sum(i => (long)i.Key.Length) is var total && total <= Array.MaxLength
            ? (int)total : throw new ArgumentException("the keys hold more characters than an array can")];
        int used = 0;
        foreach (var (key, _) in items)
        {
            key.CopyTo(_pool.AsSpan(used));
            entries.Add(new Entry(used, key.Length, 0));
            used += key.Length;
        }
        int size = 16;
        while (size < items.Count * 2) size <<= 1;
        // Seeded fast hash first, then Marvin; each failure to stay within MaxRun also doubles the table, which
        // shortens runs of any hash that is merely unlucky. Four doublings of a table that still crowds would mean
        // a broken hash, not bad luck: the last attempt accepts long runs rather than fail (lookups stay correct).
        for (int attempt = 0; ; attempt++)
        {
            bool marvin = attempt > 0;
            bool last = attempt == 4;
            var slots = new ulong[size];
            if (TryFill(items, entries, slots, size - 1, marvin, enforceBound: !last) && (last || LongestRun(slots) <= MaxRun))
            {
                _slots = slots;
                _mask = size - 1;
                UsesMarvin = marvin;
                break;
            }
            if (marvin) size <<= 1;
        }
        _entries = entries.ToArray();
        foreach (var (key, _) in items)
            if (key.Length >= 2 && (key[0] | key[1]) < 128)
                _lengthsByAsciiPair[(key[0] << 7) | key[1]] |= key.Length <= 64 ? 1UL << (key.Length - 1) : 0;
    }

    /// <summary>False when no key has <paramref name="key"/>'s length and first two chars (ASCII); true otherwise.</summary>
    private bool MayHold(ReadOnlySpan<char> key)
    {
        if (key.Length < 2 || key.Length > 64) return true;
        int pair = key[0] | key[1];
        if (pair >= 128) return true;
        return (_lengthsByAsciiPair[(key[0] << 7) | key[1]] >> (key.Length - 1) & 1) != 0;
    }

    private bool TryFill(IReadOnlyList<(string Key, int Id)> items, List<Entry> entries, ulong[] slots, int mask, bool marvin, bool enforceBound)
    {
        for (int i = 0; i < items.Count; i++)
        {
            var (key, id) = items[i];
            uint h = marvin ? (uint)string.GetHashCode(key.AsSpan()) : Fast(key, _seed);
            int slot = (int)(h & (uint)mask);
            for (int probes = 0; ; probes++)
            {
                if (enforceBound && probes > MaxRun) return false;
                ulong s = slots[slot];
                if (s == 0)
                {
                    entries[i] = entries[i] with { Id = id };
                    slots[slot] = ((ulong)h << 32) | (uint)(i + 1);
                    break;
                }
                if ((uint)(s >> 32) == h)
                {
                    int e = (int)(uint)s - 1;
                    var existing = entries[e];
                    if (_pool.AsSpan(existing.Start, existing.Length).SequenceEqual(key))
                    {
                        // A repeated key keeps its first slot and entry, with the later id.
                        entries[e] = existing with { Id = id };
                        break;
                    }
                }
                slot = (slot + 1) & mask;
            }
        }
        return true;
    }

    /// <summary>Longest run of occupied slots, wrapping around the end.</summary>
    private static int LongestRun(ulong[] slots)
    {
        int firstEmpty = Array.IndexOf(slots, 0UL);
        if (firstEmpty < 0) return slots.Length;
        int longest = 0, run = 0;
        for (int k = 1; k <= slots.Length; k++)
        {
            if (slots[(firstEmpty + k) & (slots.Length - 1)] != 0) longest = Math.Max(longest, ++run);
            else run = 0;
        }
        return longest;
    }

    internal bool TryGetValue(ReadOnlySpan<char> key, out int id)
    {
        if (FiltersByLength && !MayHold(key))
        {
            id = -1;
            return false;
        }
        uint h = UsesMarvin ? (uint)string.GetHashCode(key) : Fast(key, _seed);
        int slot = (int)(h & (uint)_mask);
        var slots = _slots;
        while (true)
        {
            ulong s = slots[slot];
            if (s == 0)
            {
                id = -1;
                return false;
            }
            if ((uint)(s >> 32) == h)
            {
                ref readonly var entry = ref _entries[(int)(uint)s - 1];
                if (key.SequenceEqual(_pool.AsSpan(entry.Start, entry.Length)))
                {
                    id = entry.Id;
                    return true;
                }
            }
            slot = (slot + 1) & _mask;
        }
    }

    /// <summary>Two chars per multiply; tokens are short, so the loop is a handful of steps.</summary>
    internal static uint Fast(ReadOnlySpan<char> key, uint seed)
    {
        uint h = seed ^ ((uint)key.Length * 0x9E3779B1u);
        var pairs = MemoryMarshal.Cast<char, uint>(key);
        foreach (uint pair in pairs) h = BitOperations.RotateLeft((h ^ pair) * 0x85EBCA6Bu, 13);
        if ((key.Length & 1) != 0) h = BitOperations.RotateLeft((h ^ key[^1]) * 0x85EBCA6Bu, 13);
        h ^= h >> 16;
        h *= 0x7FEB352Du;
        return h ^ (h >> 15);
    }
}
