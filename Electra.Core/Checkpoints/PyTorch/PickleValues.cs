using System.Collections.Immutable;

namespace Electra.Core.Checkpoints.PyTorch;

// The values the safe unpickler builds. Primitive pickle values map to long, double, bool, string, byte[] and
// PickleNone; everything else is one of the types below. Nothing here can run code: a "global" is only a name.

/// <summary>Python's None.</summary>
internal sealed class PickleNone
{
    public static readonly PickleNone Value = new();
    private PickleNone() { }
    public override string ToString() => "None";
}

/// <summary>A global named by GLOBAL or STACK_GLOBAL, already checked against the allow-list. Never resolved.</summary>
internal sealed record PickleGlobal(string Module, string Name)
{
    public string FullName => $"{Module}.{Name}";
    public override string ToString() => FullName;
}

/// <summary>Containers remember how deeply they nest so that the interpreter can refuse pathological depth.</summary>
internal abstract class PickleContainer
{
    public int Depth { get; protected set; } = 1;

    protected void Absorb(object child) => Depth = Math.Max(Depth, PickleValue.DepthOf(child) + 1);
}

internal sealed class PickleTuple : PickleContainer
{
    public ImmutableArray<object> Items { get; }

    public PickleTuple(ImmutableArray<object> items)
    {
        Items = items;
        foreach (var item in items) Absorb(item);
    }

    public int Count => Items.Length;
    public object this[int index] => Items[index];
}

internal sealed class PickleList : PickleContainer
{
    private readonly List<object> _items = new();
    public IReadOnlyList<object> Items => _items;

    public void Add(object item)
    {
        _items.Add(item);
        Absorb(item);
    }
}

/// <summary>A dict or OrderedDict: insertion order is kept, later keys replace earlier equal ones.</summary>
internal sealed class PickleDict : PickleContainer
{
    private readonly List<KeyValuePair<object, object>> _items = new();
    private readonly Dictionary<object, int> _index = new();
    public IReadOnlyList<KeyValuePair<object, object>> Items => _items;

    public void Set(object key, object value)
    {
        Absorb(key);
        Absorb(value);
        // Only hashable-by-value keys (strings, numbers) are looked up; others are kept as separate entries.
        if (key is string or long or bool or double && _index.TryGetValue(key, out int at))
        {
            _items[at] = new(key, value);
            return;
        }
        if (key is string or long or bool or double) _index[key] = _items.Count;
        _items.Add(new(key, value));
    }
}

/// <summary>A storage named by a persistent id: <c>('storage', torch.FloatStorage, key, location, numel)</c>.</summary>
internal sealed record StorageRef(StorageDType DType, string Key, string Location, long Numel);

/// <summary>A tensor as <c>_rebuild_tensor_v2</c> describes it: a strided view of a storage.</summary>
internal sealed record TensorRef(StorageRef Storage, long StorageOffset, ImmutableArray<long> Size, ImmutableArray<long> Stride);

internal static class PickleValue
{
    public static int DepthOf(object value) => value is PickleContainer c ? c.Depth : 0;

    /// <summary>Short description for error messages; bounded, so cyclic or deep values cannot recurse forever.</summary>
    public static string Describe(object value) => value switch
    {
        string s => s.Length <= 60 ? $"'{s}'" : $"'{s[..57]}...'",
        long or double or bool => value.ToString()!,
        byte[] b => $"bytes[{b.Length}]",
        PickleTuple t => $"tuple of {t.Count}",
        PickleList l => $"list of {l.Items.Count}",
        PickleDict d => $"dict of {d.Items.Count}",
        PickleGlobal g => $"global {g.FullName}",
        StorageRef s => $"storage '{s.Key}' ({s.DType}, {s.Numel} elements)",
        TensorRef t => $"tensor {Tensors.TensorShape.Format(t.Size)} of storage '{t.Storage.Key}'",
        _ => value.GetType().Name,
    };
}
