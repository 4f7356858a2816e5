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

/// <summary>
/// Containers know how deeply they nest so that the interpreter can refuse pathological depth. A container already
/// inside others can still grow (APPEND onto a memoized list), so each one knows its parents and a depth increase
/// is passed up to them: a 200,000-deep chain built by appending to the innermost list is refused, and so is a
/// cycle (its depth rises without end). A container's depth rises at most <see cref="MaxDepth"/> times before the
/// refusal, so the propagation costs at most that many steps per parent link: linear in the pickle's size.
/// </summary>
internal abstract class PickleContainer
{
    /// <summary>Deeper than this is refused wherever the depth is raised (the interpreter's own limit is lower or equal).</summary>
    public const int MaxDepth = 1024;

    private List<PickleContainer>? _parents;

    public int Depth { get; private set; } = 1;

    /// <summary>The deepest nesting any <see cref="Absorb"/> into this container reached (this one or an ancestor).</summary>
    public int DeepestChanged { get; private set; } = 1;

    protected void Absorb(object child)
    {
        if (child is not PickleContainer c) return;
        (c._parents ??= new List<PickleContainer>(1)).Add(this);
        DeepestChanged = Math.Max(DeepestChanged, Raise(c.Depth + 1));
    }

    /// <summary>Raises this container's depth to at least <paramref name="depth"/> and its ancestors' with it; returns the deepest reached.</summary>
    private int Raise(int depth)
    {
        if (depth <= Depth) return Depth;
        if (depth > MaxDepth) throw new InvalidPickleValueException($"values nest more than {MaxDepth} levels deep (or contain themselves)");
        Depth = depth;
        int deepest = depth;
        if (_parents is null) return deepest;
        foreach (var parent in _parents) deepest = Math.Max(deepest, parent.Raise(depth + 1));
        return deepest;
    }
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
    private readonly Dictionary<object, int> _index = new(PickleKeyComparer.Instance);
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

/// <summary>
/// Hashes dict keys with the process's random seed. Boxed longs hash as <c>(int)v ^ (int)(v >> 32)</c>, so keys
/// <c>(k &lt;&lt; 32) | k</c> all hash to 0 and a 440 KB pickle of 40,000 of them took 13 s (quadratic);
/// <see cref="HashCode"/> is seeded per process, so no file can choose colliding keys. Strings already hash with a
/// random seed. Equality is unchanged (<see cref="object.Equals(object)"/>).
/// </summary>
internal sealed class PickleKeyComparer : IEqualityComparer<object>, IEqualityComparer<long>
{
    public static readonly PickleKeyComparer Instance = new();

    public new bool Equals(object? x, object? y) => object.Equals(x, y);

    public int GetHashCode(object key) => key switch
    {
        long l => Mix(l),
        // Equal doubles must hash alike: +0.0 equals -0.0, and double.Equals holds NaN equal to NaN.
        double d => Mix(d == 0 ? 0 : double.IsNaN(d) ? long.MinValue : BitConverter.DoubleToInt64Bits(d)),
        bool b => b ? 1 : 0,
        _ => key.GetHashCode(),
    };

    public bool Equals(long x, long y) => x == y;

    public int GetHashCode(long key) => Mix(key);

    // Both halves go through the seeded hash (HashCode.Combine(long) would first fold them with long.GetHashCode,
    // keeping its collisions).
    private static int Mix(long value) => HashCode.Combine((int)value, (int)(value >> 32));
}

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
