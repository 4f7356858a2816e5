using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Electra.Core.Errors;
using Electra.Core.Tensors;

namespace Electra.Core.Checkpoints.PyTorch;

/// <summary>
/// A <c>pytorch_model.bin</c> (or any <c>torch.save(state_dict)</c> zip file) read without executing anything:
/// the pickle is interpreted by an allow-list interpreter that only understands what state dicts contain, and
/// every tensor is checked against its storage when the file is opened. Storages are read on demand.
/// F16, BF16 and F64 tensors convert to float32 exactly as torch's <c>.float()</c>; strided views are gathered.
/// For a sharded checkpoint open <c>pytorch_model.bin.index.json</c> with
/// <c>ShardedWeightSource.Open(indexPath, PyTorchBinCheckpoint.Open)</c>.
/// </summary>
/// <example><code>
/// using var weights = PyTorchBinCheckpoint.Open("model/pytorch_model.bin");
/// HostTensor emb = weights.ReadFloat32("electra.embeddings.word_embeddings.weight");
/// </code></example>
public sealed class PyTorchBinCheckpoint : IWeightSource
{
    private readonly TorchZipArchive _archive;
    private readonly ImmutableDictionary<string, TensorRef> _tensors;
    private readonly ImmutableArray<string> _keys;
    private readonly ImmutableDictionary<string, long> _storageBytes;
    private readonly object _gate = new();

    private PyTorchBinCheckpoint(TorchZipArchive archive, ImmutableArray<string> keys, ImmutableDictionary<string, TensorRef> tensors,
        ImmutableDictionary<string, long> storageBytes)
    {
        _archive = archive;
        _keys = keys;
        _tensors = tensors;
        _storageBytes = storageBytes;
    }

    public string Location => _archive.Path;

    /// <summary>Tensor names in the order the state dict stores them.</summary>
    public IReadOnlyCollection<string> Keys => _keys;

    /// <summary>Opens <paramref name="path"/> with <see cref="PickleLimits.Default"/>.</summary>
    /// <exception cref="UnsafePickleException">the pickle names a global outside the state-dict allow-list.</exception>
    /// <exception cref="CheckpointFormatException">the file is not a readable torch.save zip (legacy format
    /// included), the pickle is malformed or over a limit, or a tensor does not fit its storage.</exception>
    public static PyTorchBinCheckpoint Open(string path) => Open(path, PickleLimits.Default);

    /// <inheritdoc cref="Open(string)"/>
    public static PyTorchBinCheckpoint Open(string path, PickleLimits limits)
    {
        var archive = TorchZipArchive.Open(path, limits);
        try
        {
            var root = SafeUnpickler.Load(archive.ReadPickle(), path, limits);
            var (keys, tensors) = ReadStateDict(path, root);
            var storageBytes = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var key in keys) storageBytes[tensors[key].Storage.Key] = Validate(archive, key, tensors[key]);
            return new PyTorchBinCheckpoint(archive, keys, tensors, storageBytes.ToImmutableDictionary(StringComparer.Ordinal));
        }
        catch
        {
            archive.Dispose();
            throw;
        }
    }

    public bool Contains(string key) => _tensors.ContainsKey(key);

    public TensorInfo GetInfo(string key)
    {
        var t = Find(key);
        return new TensorInfo(key, t.Storage.DType, t.Size);
    }

    public HostTensor ReadFloat32(string key)
    {
        var t = Find(key);
        var dtype = t.Storage.DType;
        if (!DTypeConversion.IsFloat(dtype))
            throw new CheckpointFormatException(Location, $"tensor '{key}' is {dtype}, not a floating-point type");
        var shape = t.Size.Select(d => (int)d).ToImmutableArray();
        if (IsWholeF32Storage(t))
        {
            var values = GC.AllocateUninitializedArray<float>((int)t.Storage.Numel);
            lock (_gate) _archive.ReadStorageInto(t.Storage.Key, MemoryMarshal.AsBytes(values.AsSpan()));
            return new HostTensor(shape, values);
        }

        byte[] bytes;
        lock (_gate) bytes = _archive.ReadStorage(t.Storage.Key);

        long first = t.StorageOffset;
        long end = StridedView.StorageExtent(t.StorageOffset, t.Size, t.Stride);
        int elementSize = DTypeConversion.SizeOf(dtype);
        var window = new float[end - first];
        DTypeConversion.ToFloat32(dtype, bytes.AsSpan((int)(first * elementSize), window.Length * elementSize), window);
        var data = StridedView.Gather(window, first, t.StorageOffset, t.Size, t.Stride);
        return new HostTensor(shape, data);
    }

    /// <summary>
    /// <see cref="IWeightSource.WithFloat32{TResult}"/>: a float32 parameter that owns its storage (what torch.save
    /// writes for a model's weights) is read into native memory freed when <paramref name="use"/> returns; any other
    /// view is gathered as <see cref="ReadFloat32"/> does.
    /// </summary>
    public TResult WithFloat32<TResult>(string key, Func<HostTensor, TResult> use)
    {
        var t = Find(key);
        if (!DTypeConversion.IsFloat(t.Storage.DType) || !IsWholeF32Storage(t)) return use(ReadFloat32(key));
        var shape = t.Size.Select(d => (int)d).ToImmutableArray();
        using var buffer = new TransientBuffer<float>((int)t.Storage.Numel);
        lock (_gate) _archive.ReadStorageInto(t.Storage.Key, MemoryMarshal.AsBytes(buffer.GetSpan()));
        return use(new HostTensor(shape, buffer.Memory));
    }

    // The common case (a float32 parameter that owns its storage) is read straight into the result array.
    private bool IsWholeF32Storage(TensorRef t) =>
        BitConverter.IsLittleEndian && t.Storage.DType == StorageDType.F32 && t.StorageOffset == 0
        && t.Size.Aggregate(1L, (a, d) => a * d) == t.Storage.Numel && StridedView.IsContiguous(t.Size, t.Stride)
        && _storageBytes[t.Storage.Key] == t.Storage.Numel * 4;

    public void Dispose() => _archive.Dispose();

    private TensorRef Find(string key) => _tensors.TryGetValue(key, out var t)
        ? t
        : throw new WeightMismatchException(key, $"{Location}: no tensor named '{key}'");

    private static (ImmutableArray<string>, ImmutableDictionary<string, TensorRef>) ReadStateDict(string path, object root)
    {
        if (root is not PickleDict dict)
            throw new CheckpointFormatException(path, $"the pickle holds {PickleValue.Describe(root)}, not a state dict");
        var keys = ImmutableArray.CreateBuilder<string>(dict.Items.Count);
        var tensors = ImmutableDictionary.CreateBuilder<string, TensorRef>(StringComparer.Ordinal);
        foreach (var (k, v) in dict.Items)
        {
            if (k is not string key)
                throw new CheckpointFormatException(path, $"state dict key {PickleValue.Describe(k)} is not a string");
            if (v is not TensorRef tensor)
                throw new CheckpointFormatException(path,
                    $"state dict entry '{key}' is {PickleValue.Describe(v)}, not a tensor: the file is not a plain state dict");
            keys.Add(key);
            tensors[key] = tensor;
        }
        return (keys.ToImmutable(), tensors.ToImmutable());
    }

    /// <returns>The declared byte size of the tensor's storage entry.</returns>
    private static long Validate(TorchZipArchive archive, string key, TensorRef t)
    {
        string path = archive.Path;
        var s = t.Storage;
        if (t.Size.Any(d => d > int.MaxValue) || t.Size.Aggregate(1.0, (a, d) => a * d) > Array.MaxLength)
            throw new CheckpointFormatException(path, $"tensor '{key}' of shape {TensorShape.Format(t.Size)} is too large to load");
        long end;
        try { end = StridedView.StorageExtent(t.StorageOffset, t.Size, t.Stride); }
        catch (InvalidPickleValueException e)
        {
            throw new CheckpointFormatException(path, $"tensor '{key}': {e.Message}");
        }
        // A view may not address fewer storage elements than it has (stride 0, or strides that overlap): its
        // memory would not be backed by the file (a 691-byte file with a [46340, 46340] stride-0 view asked for
        // 8 GB). State dicts hold none; torch.save writes an expanded tensor's size-1 dimensions only.
        long count = t.Size.Aggregate(1L, (a, d) => a * d);
        if (count > 0 && count > end - t.StorageOffset)
            throw new CheckpointFormatException(path,
                $"tensor '{key}' (shape {TensorShape.Format(t.Size)}, stride {TensorShape.Format(t.Stride)}) has {count:N0} elements "
                + $"but spans only {end - t.StorageOffset:N0} of storage '{s.Key}': overlapping or stride-0 views are not loaded");
        if (end > s.Numel)
            throw new CheckpointFormatException(path,
                $"tensor '{key}' (shape {TensorShape.Format(t.Size)}, stride {TensorShape.Format(t.Stride)}, offset {t.StorageOffset}) "
                + $"needs {end} elements of storage '{s.Key}', which holds only {s.Numel}");
        long stored = archive.CheckStorageEntry(s.Key, $"tensor '{key}'");
        int elementSize = DTypeConversion.SizeOf(s.DType);
        if (s.Numel > stored / elementSize)
            throw new CheckpointFormatException(path,
                $"tensor '{key}': storage '{s.Key}' should hold {s.Numel} {s.DType} elements ({elementSize} bytes each) but its entry has {stored} bytes");
        return stored;
    }
}
