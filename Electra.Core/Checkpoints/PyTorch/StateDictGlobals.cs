using System.Collections.Immutable;

namespace Electra.Core.Checkpoints.PyTorch;

/// <summary>
/// The allow-list: the only globals a PyTorch state dict pickle may name, and what REDUCE means for each.
/// Each reduction is our own code building a plain value; no Python callable is ever looked up or invoked.
/// </summary>
internal static class StateDictGlobals
{
    private static readonly ImmutableDictionary<string, StorageDType> StorageTypes = new Dictionary<string, StorageDType>
    {
        ["torch.DoubleStorage"] = StorageDType.F64,
        ["torch.FloatStorage"] = StorageDType.F32,
        ["torch.HalfStorage"] = StorageDType.F16,
        ["torch.BFloat16Storage"] = StorageDType.BF16,
        ["torch.LongStorage"] = StorageDType.I64,
        ["torch.IntStorage"] = StorageDType.I32,
        ["torch.ShortStorage"] = StorageDType.I16,
        ["torch.CharStorage"] = StorageDType.I8,
        ["torch.ByteStorage"] = StorageDType.U8,
        ["torch.BoolStorage"] = StorageDType.Bool,
    }.ToImmutableDictionary();

    private const string OrderedDict = "collections.OrderedDict";
    private const string RebuildTensorV2 = "torch._utils._rebuild_tensor_v2";
    private const string RebuildTensor = "torch._utils._rebuild_tensor";
    private const string RebuildParameter = "torch._utils._rebuild_parameter";
    private const string RebuildParameterWithState = "torch._utils._rebuild_parameter_with_state";
    private const string RebuildFromTypeV2 = "torch._tensor._rebuild_from_type_v2";

    // Types that may appear as the new_type argument of _rebuild_from_type_v2; never called themselves.
    private static readonly ImmutableHashSet<string> TensorTypes =
        ImmutableHashSet.Create("torch.Tensor", "torch.nn.parameter.Parameter");

    private static readonly ImmutableHashSet<string> Callables = ImmutableHashSet.Create(
        OrderedDict, RebuildTensorV2, RebuildTensor, RebuildParameter, RebuildParameterWithState, RebuildFromTypeV2);

    public static bool IsAllowed(string module, string name)
    {
        string full = $"{module}.{name}";
        return Callables.Contains(full) || StorageTypes.ContainsKey(full) || TensorTypes.Contains(full);
    }

    public static StorageDType? StorageType(PickleGlobal global) =>
        StorageTypes.TryGetValue(global.FullName, out var dtype) ? dtype : null;

    /// <summary>What <c>global(*args)</c> stands for. Throws <see cref="InvalidPickleValueException"/> for anything else.</summary>
    public static object Reduce(PickleGlobal global, PickleTuple args) => global.FullName switch
    {
        OrderedDict when args.Count == 0 => new PickleDict(),
        RebuildTensorV2 when args.Count is 6 or 7 => RebuildTensorRef(args),
        RebuildTensor when args.Count == 4 => RebuildTensorRef(args),
        RebuildParameter when args.Count == 3 => Expect<TensorRef>(args[0], "parameter data"),
        RebuildParameterWithState when args.Count == 4 => Expect<TensorRef>(args[0], "parameter data"),
        RebuildFromTypeV2 when args.Count == 4 => RebuildFromType(args),
        _ => throw new InvalidPickleValueException(
            $"{global.FullName} cannot be called with {args.Count} arguments in a state dict"),
    };

    /// <summary><c>('storage', torch.XStorage, key, location, numel)</c> → a storage reference.</summary>
    public static StorageRef PersistentLoad(object pid)
    {
        if (pid is not PickleTuple { Count: 5 } t || t[0] is not "storage")
            throw new InvalidPickleValueException(
                $"persistent id {PickleValue.Describe(pid)} is not ('storage', type, key, location, numel)");
        var type = Expect<PickleGlobal>(t[1], "storage type");
        var dtype = StorageType(type)
            ?? throw new InvalidPickleValueException($"{type.FullName} is not a storage type");
        string key = Expect<string>(t[2], "storage key");
        string location = Expect<string>(t[3], "storage location");
        long numel = Expect<long>(t[4], "storage size");
        if (numel < 0) throw new InvalidPickleValueException($"storage '{key}' has negative size {numel}");
        if (key.Length == 0 || key.Contains('/') || key.Contains('\\') || key.Contains(".."))
            throw new InvalidPickleValueException($"storage key '{key}' is not a plain entry name");
        return new StorageRef(dtype, key, location, numel);
    }

    private static TensorRef RebuildTensorRef(PickleTuple args)
    {
        var storage = Expect<StorageRef>(args[0], "tensor storage");
        long offset = Expect<long>(args[1], "storage offset");
        var size = LongTuple(args[2], "tensor size");
        var stride = LongTuple(args[3], "tensor stride");
        if (size.Length != stride.Length)
            throw new InvalidPickleValueException(
                $"tensor of storage '{storage.Key}' has {size.Length} sizes but {stride.Length} strides");
        return new TensorRef(storage, offset, size, stride);
    }

    private static TensorRef RebuildFromType(PickleTuple args)
    {
        var func = Expect<PickleGlobal>(args[0], "rebuild function");
        var newType = Expect<PickleGlobal>(args[1], "tensor type");
        if (!TensorTypes.Contains(newType.FullName))
            throw new InvalidPickleValueException($"tensor type {newType.FullName} is not a plain tensor or parameter");
        var inner = Expect<PickleTuple>(args[2], "rebuild arguments");
        if (func.FullName is not (RebuildTensorV2 or RebuildTensor))
            throw new InvalidPickleValueException($"{func.FullName} cannot rebuild a tensor");
        return Expect<TensorRef>(Reduce(func, inner), "rebuilt tensor");
    }

    private static ImmutableArray<long> LongTuple(object value, string what)
    {
        var t = Expect<PickleTuple>(value, what);
        var result = ImmutableArray.CreateBuilder<long>(t.Count);
        foreach (var item in t.Items) result.Add(Expect<long>(item, what));
        return result.MoveToImmutable();
    }

    private static T Expect<T>(object value, string what) => value is T t
        ? t
        : throw new InvalidPickleValueException($"{what} should be {KindName(typeof(T))} but is {PickleValue.Describe(value)}");

    private static string KindName(Type type) => type == typeof(long) ? "an integer"
        : type == typeof(string) ? "a string"
        : type == typeof(PickleTuple) ? "a tuple"
        : type == typeof(PickleGlobal) ? "a global"
        : type == typeof(StorageRef) ? "a storage"
        : type == typeof(TensorRef) ? "a tensor"
        : type.Name;
}

/// <summary>Raised inside the unpickler for a value of the wrong kind; rethrown with the file and offset.</summary>
internal sealed class InvalidPickleValueException(string message) : Exception(message);
