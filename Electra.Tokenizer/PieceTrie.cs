namespace Electra.Tokenizer;

/// <summary>
/// A prefix tree of vocabulary pieces, for WordPiece's longest match when the vocabulary holds long tokens. Probing
/// every candidate length from the longest token down costs O(longest²) per piece (each probe hashes its piece);
/// walking the tree costs one step per character of the walk, and the walk stops where no piece continues.
/// </summary>
/// <remarks>
/// Children are kept sorted per node and found by binary search: no hashing of file content, so no input can make
/// a step slower than log₂ of the node's child count.
/// </remarks>
internal sealed class PieceTrie
{
    private readonly int[] _childStart;
    private readonly char[] _childChars;
    private readonly int[] _childNodes;
    private readonly int[] _tokenIds;

    /// <summary>Builds the tree of <paramref name="pieces"/> (distinct keys) with their ids.</summary>
    internal PieceTrie(IEnumerable<KeyValuePair<string, int>> pieces)
    {
        var sorted = pieces.ToArray();
        Array.Sort(sorted, (a, b) => string.CompareOrdinal(a.Key, b.Key));
        // Nodes are created walking the sorted keys, so each node's children appear in ascending order of their char.
        var parents = new List<int>();
        var chars = new List<char>();
        var tokenIds = new List<int> { -1 };
        var path = new List<int> { 0 };
        string previous = "";
        foreach (var (key, id) in sorted)
        {
            int common = 0;
            int limit = Math.Min(previous.Length, key.Length);
            while (common < limit && previous[common] == key[common]) common++;
            path.RemoveRange(common + 1, path.Count - common - 1);
            for (int k = common; k < key.Length; k++)
            {
                int node = tokenIds.Count;
                tokenIds.Add(-1);
                parents.Add(path[^1]);
                chars.Add(key[k]);
                path.Add(node);
            }
            tokenIds[path[key.Length]] = id;
            previous = key;
        }
        int nodes = tokenIds.Count;
        _tokenIds = tokenIds.ToArray();
        // Edge e leads to node e + 1. A counting sort by parent keeps each parent's children in creation order.
        _childStart = new int[nodes + 1];
        foreach (int p in parents) _childStart[p + 1]++;
        for (int n = 0; n < nodes; n++) _childStart[n + 1] += _childStart[n];
        var fill = _childStart.AsSpan(0, nodes).ToArray();
        _childChars = new char[parents.Count];
        _childNodes = new int[parents.Count];
        for (int e = 0; e < parents.Count; e++)
        {
            int at = fill[parents[e]]++;
            _childChars[at] = chars[e];
            _childNodes[at] = e + 1;
        }
    }

    /// <summary>The child of <paramref name="node"/> along <paramref name="c"/>, or -1. The root is node 0.</summary>
    internal int Child(int node, char c)
    {
        int start = _childStart[node];
        int k = _childChars.AsSpan(start, _childStart[node + 1] - start).BinarySearch(c);
        return k < 0 ? -1 : _childNodes[start + k];
    }

    /// <summary>The id of the piece that ends at <paramref name="node"/>, or -1.</summary>
    internal int TokenId(int node) => _tokenIds[node];
}
