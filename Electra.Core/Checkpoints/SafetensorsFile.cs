using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using Electra.Core.Errors;
using Electra.Core.Tensors;

namespace Electra.Core.Checkpoints;

/// <summary>
/// A safetensors file (https://github.com/huggingface/safetensors format). The header is validated completely on
/// open: length inside the file, UTF-8 JSON object, no duplicate keys, known dtypes, non-negative shapes, offsets
/// inside the data and covering it without holes or overlaps, shape × dtype size = byte length.
/// </summary>
/// <remarks>
/// Tensors are read on demand with positional reads into memory the process owns, never handed out as views of a
/// memory map: a file truncated by someone else while it is read is a <see cref="CheckpointFormatException"/> (a map
/// would die of SIGBUS), and a file rewritten in place after loading cannot change a loaded model. A weight the
/// backend copies anyway (a linear it packs) is read with <see cref="WithFloat32{TResult}"/> into memory freed as soon
/// as the copy is made, so loading holds one tensor beyond what the backend keeps.
/// </remarks>
public sealed class SafetensorsFile : IWeightSource
{
    /// <summary>The reference implementation's cap on the header size.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private readonly CheckpointFileReader _file;
    private readonly ImmutableDictionary<string, Entry> _entries;
    private readonly long _dataStart;

    private sealed record Entry(TensorInfo Info, long Begin, long End);

    private SafetensorsFile(CheckpointFileReader file, ImmutableDictionary<string, Entry> entries, long dataStart,
        ImmutableDictionary<string, string> metadata)
    {
        _file = file;
        _entries = entries;
        _dataStart = dataStart;
        Metadata = metadata;
    }

    public string Location => _file.Path;
    public IReadOnlyCollection<string> Keys => _entries.Keys.ToArray();

    /// <summary>The optional <c>__metadata__</c> string map.</summary>
    public ImmutableDictionary<string, string> Metadata { get; }

    /// <summary>Opens and validates a safetensors file.</summary>
    /// <exception cref="CheckpointFormatException">the file is missing, not a regular file, truncated or its header is invalid.</exception>
    public static SafetensorsFile Open(string path)
    {
        if (!File.Exists(path)) throw new CheckpointFormatException(path, "file not found");
        var file = CheckpointFileReader.Open(path);
        try
        {
            var (entries, dataStart, metadata) = ParseHeader(file);
            return new SafetensorsFile(file, entries, dataStart, metadata);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    public bool Contains(string key) => _entries.ContainsKey(key);

    public TensorInfo GetInfo(string key) => Find(key).Info;

    public HostTensor ReadFloat32(string key)
    {
        var (e, shape) = FloatEntry(key);
        // Every element is written by the read below (or the read throws and the array is dropped): no zeroing.
        var values = GC.AllocateUninitializedArray<float>((int)e.Info.ElementCount);
        ReadInto(e, values);
        return new HostTensor(shape, values);
    }

    /// <summary>
    /// Reads the tensor into native memory that is freed when <paramref name="use"/> returns (see
    /// <see cref="IWeightSource.WithFloat32{TResult}"/>): a backend that packs or uploads a weight never leaves a
    /// second copy of it behind for the GC.
    /// </summary>
    public TResult WithFloat32<TResult>(string key, Func<HostTensor, TResult> use)
    {
        var (e, shape) = FloatEntry(key);
        using var buffer = new TransientBuffer<float>((int)e.Info.ElementCount);
        ReadInto(e, buffer.GetSpan());
        return use(new HostTensor(shape, buffer.Memory));
    }

    // Validates the dtype and bounds the element count by Array.MaxLength before anything is allocated; the byte
    // range was checked against the file's length when the header was read.
    private (Entry Entry, ImmutableArray<int> Shape) FloatEntry(string key)
    {
        var e = Find(key);
        if (!DTypeConversion.IsFloat(e.Info.DType))
            throw new CheckpointFormatException(Location, $"tensor '{key}' has dtype {e.Info.DType}, not a floating-point type");
        return (e, ToIntShape(e.Info));
    }

    // The bytes of a non-F32 tensor can exceed what one span addresses (F64 of 300M elements is 2.4 GB), so reads go
    // in slices; F32 is read straight into the destination.
    private void ReadInto(Entry e, Span<float> values)
    {
        var info = e.Info;
        long absolute = _dataStart + e.Begin;
        if (info.DType == StorageDType.F32 && BitConverter.IsLittleEndian)
        {
            for (int start = 0; start < values.Length; start += SliceElements)
            {
                int n = Math.Min(SliceElements, values.Length - start);
                _file.ReadExactly(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.Slice(start, n)),
                    absolute + (long)start * sizeof(float), info.Key);
            }
            return;
        }
        int size = DTypeConversion.SizeOf(info.DType);
        // The file's bytes pass through native memory freed at once, as the transient tensors do.
        using var buffer = new TransientBuffer<byte>(Math.Min(SliceElements, values.Length) * size);
        for (int start = 0; start < values.Length; start += SliceElements)
        {
            int n = Math.Min(SliceElements, values.Length - start);
            var bytes = buffer.GetSpan()[..(n * size)];
            _file.ReadExactly(bytes, absolute + (long)start * size, info.Key);
            DTypeConversion.ToFloat32(info.DType, bytes, values.Slice(start, n));
        }
    }

    /// <summary>Elements read per slice: 2^24 of the widest dtype (F64/I64) is 128 MiB, far below 2 GiB.</summary>
    private const int SliceElements = 1 << 24;

    /// <summary>Reads an integer tensor (I64/I32/I16/I8/U8/Bool) as int64 values.</summary>
    public long[] ReadInt64(string key)
    {
        var e = Find(key);
        if (e.End - e.Begin > int.MaxValue || e.Info.ElementCount > Array.MaxLength)
            throw new CheckpointFormatException(Location, $"integer tensor '{key}' holds {e.Info.ElementCount:N0} elements in {e.End - e.Begin:N0} bytes, more than an integer tensor is read whole (2 GiB)");
        if (DTypeConversion.IsFloat(e.Info.DType))
            throw new CheckpointFormatException(Location, $"tensor '{key}' has dtype {e.Info.DType}, not an integer type");
        var bytes = new byte[e.End - e.Begin];
        _file.ReadExactly(bytes, _dataStart + e.Begin, key);
        var n = (int)e.Info.ElementCount;
        var result = new long[n];
        for (int i = 0; i < n; i++)
        {
            result[i] = e.Info.DType switch
            {
                StorageDType.I64 => BitConverter.ToInt64(bytes, i * 8),
                StorageDType.I32 => BitConverter.ToInt32(bytes, i * 4),
                StorageDType.I16 => BitConverter.ToInt16(bytes, i * 2),
                StorageDType.I8 => (sbyte)bytes[i],
                StorageDType.U8 or StorageDType.Bool => bytes[i],
                _ => throw new CheckpointFormatException(Location, $"tensor '{key}' has dtype {e.Info.DType}, not an integer type"),
            };
        }
        return result;
    }

    /// <summary>Closes the file. Tensors read so far are the caller's own memory and stay valid.</summary>
    public void Dispose() => _file.Dispose();

    private Entry Find(string key) =>
        _entries.TryGetValue(key, out var e)
            ? e
            : throw new WeightMismatchException(key, $"{Location}: no tensor named '{key}'");

    private ImmutableArray<int> ToIntShape(TensorInfo info)
    {
        var b = ImmutableArray.CreateBuilder<int>(info.Shape.Length);
        foreach (var d in info.Shape)
        {
            if (d > int.MaxValue) throw new CheckpointFormatException(Location, $"tensor '{info.Key}' dimension {d} is too large");
            b.Add((int)d);
        }
        if (info.ElementCount > Array.MaxLength)
            throw new CheckpointFormatException(Location, $"tensor '{info.Key}' has {info.ElementCount} elements, more than one tensor can hold");
        return b.MoveToImmutable();
    }

    private static (ImmutableDictionary<string, Entry>, long, ImmutableDictionary<string, string>) ParseHeader(CheckpointFileReader file)
    {
        string path = file.Path;
        if (file.Length < 8)
            throw new CheckpointFormatException(path, $"truncated: {file.Length} bytes, a safetensors file starts with an 8-byte header length");
        var lengthBytes = new byte[8];
        file.ReadExactly(lengthBytes, 0, "the header length");
        long headerLength = BitConverter.ToInt64(lengthBytes);
        if (headerLength < 2 || headerLength > MaxHeaderBytes)
            throw new CheckpointFormatException(path, $"header length {headerLength} is outside 2..{MaxHeaderBytes} bytes");
        if (8 + headerLength > file.Length)
            throw new CheckpointFormatException(path, $"header length {headerLength} runs past the end of the file ({file.Length} bytes)");

        var headerBytes = new byte[headerLength];
        file.ReadExactly(headerBytes, 8, "the header");
        string json;
        try
        {
            json = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(headerBytes);
        }
        catch (DecoderFallbackException ex)
        {
            throw new CheckpointFormatException(path, "header is not valid UTF-8", ex);
        }

        long dataStart = 8 + headerLength;
        long dataLength = file.Length - dataStart;
        var entries = ImmutableDictionary.CreateBuilder<string, Entry>(StringComparer.Ordinal);
        var metadata = ImmutableDictionary<string, string>.Empty;
        try
        {
            using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 16 });
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new CheckpointFormatException(path, "header is not a JSON object");
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                if (!seen.Add(prop.Name))
                    throw new CheckpointFormatException(path, $"duplicate key '{prop.Name}' in header");
                if (prop.Name == "__metadata__")
                {
                    metadata = ParseMetadata(path, prop.Value);
                    continue;
                }
                entries.Add(prop.Name, ParseEntry(path, prop.Name, prop.Value, dataLength));
            }
        }
        catch (JsonException ex)
        {
            throw new CheckpointFormatException(path, $"header is not valid JSON: {ex.Message}", ex);
        }
        catch (InvalidOperationException ex)
        {
            // JsonElement.GetString throws this for an escaped lone surrogate ("\ud800") in a key or value.
            throw new CheckpointFormatException(path, $"header holds a string that is not valid Unicode: {ex.Message}", ex);
        }

        CheckCoverage(path, entries.Values, dataLength);
        return (entries.ToImmutable(), dataStart, metadata);
    }

    private static ImmutableDictionary<string, string> ParseMetadata(string path, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new CheckpointFormatException(path, "__metadata__ must be an object of strings");
        var b = ImmutableDictionary.CreateBuilder<string, string>();
        foreach (var p in value.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.String)
                throw new CheckpointFormatException(path, $"__metadata__ value '{p.Name}' is not a string");
            b[p.Name] = p.Value.GetString()!;
        }
        return b.ToImmutable();
    }

    private static Entry ParseEntry(string path, string key, JsonElement value, long dataLength)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new CheckpointFormatException(path, $"tensor '{key}': header entry is not an object");
        if (!value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
            throw new CheckpointFormatException(path, $"tensor '{key}': missing dtype");
        var dtypeName = dtypeElement.GetString()!;
        var dtype = DTypeConversion.ParseSafetensorsName(dtypeName)
                    ?? throw new CheckpointFormatException(path, $"tensor '{key}': unknown dtype '{dtypeName}'");

        if (!value.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
            throw new CheckpointFormatException(path, $"tensor '{key}': missing shape");
        var shape = ImmutableArray.CreateBuilder<long>();
        long count = 1;
        foreach (var d in shapeElement.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out var dim) || dim < 0)
                throw new CheckpointFormatException(path, $"tensor '{key}': shape entry {d.GetRawText()} is not a non-negative integer");
            shape.Add(dim);
            count = dim == 0 ? 0 : (count > long.MaxValue / dim ? throw new CheckpointFormatException(path, $"tensor '{key}': shape {ShapeText(shapeElement)} overflows") : count * dim);
        }

        if (!value.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2)
            throw new CheckpointFormatException(path, $"tensor '{key}': data_offsets must be [begin, end]");
        if (!offsets[0].TryGetInt64(out var begin) || !offsets[1].TryGetInt64(out var end))
            throw new CheckpointFormatException(path, $"tensor '{key}': data_offsets are not integers");
        if (begin < 0 || end < begin || end > dataLength)
            throw new CheckpointFormatException(path, $"tensor '{key}': data_offsets [{begin}, {end}] outside the data section of {dataLength} bytes");
        long expectedBytes = count > long.MaxValue / DTypeConversion.SizeOf(dtype)
            ? throw new CheckpointFormatException(path, $"tensor '{key}': shape {ShapeText(shapeElement)} overflows")
            : count * DTypeConversion.SizeOf(dtype);
        if (end - begin != expectedBytes)
            throw new CheckpointFormatException(path,
                $"tensor '{key}': shape {ShapeText(shapeElement)} of {dtypeName} needs {expectedBytes} bytes but data_offsets span {end - begin}");
        return new Entry(new TensorInfo(key, dtype, shape.ToImmutable()), begin, end);
    }

    private static string ShapeText(JsonElement shape) => shape.GetRawText().Replace(" ", "");

    // The reference reader refuses holes and overlaps so that a file cannot hide data between tensors.
    private static void CheckCoverage(string path, IEnumerable<Entry> entries, long dataLength)
    {
        long position = 0;
        Entry? previous = null;
        foreach (var e in entries.OrderBy(e => e.Begin).ThenBy(e => e.End))
        {
            if (e.Begin < position)
                throw new CheckpointFormatException(path, $"tensors '{previous!.Info.Key}' and '{e.Info.Key}' overlap at byte {e.Begin}");
            if (e.Begin > position)
                throw new CheckpointFormatException(path, $"bytes {position}..{e.Begin} of the data section belong to no tensor (before '{e.Info.Key}')");
            position = e.End;
            previous = e;
        }
        if (position != dataLength)
            throw new CheckpointFormatException(path, $"bytes {position}..{dataLength} of the data section belong to no tensor");
    }
}
