using System.IO.Compression;
using System.Text;
using Electra.Core.Checkpoints;
using Electra.Core.Checkpoints.PyTorch;
using Electra.Core.Configuration;
using Electra.Tests.Checkpoints;
using Electra.Tokenizer;

namespace Electra.Fuzz;

/// <summary>One parser under test: its seed inputs, an optional structure-aware mutation, and one execution.</summary>
public abstract class FuzzTarget
{
    public abstract string Name { get; }

    /// <summary>Seed inputs (from the shared fixtures and the shipped model).</summary>
    public abstract IEnumerable<byte[]> Seeds(string repoRoot);

    /// <summary>A mutation that knows the format (e.g. edits the safetensors header and fixes its length), or null.</summary>
    public virtual Func<byte[], byte[]>? Structured(Mutator mutator, Random rng) => null;

    /// <summary>Runs the parser on one input. Only ElectraException subclasses may escape.</summary>
    public abstract void Execute(byte[] input);

    protected static string Shared(string repoRoot, params string[] parts) =>
        Path.Combine([Path.GetFullPath(Path.Combine(repoRoot, "..", "shared")), .. parts]);

    private static string ScratchDirectory => Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();

    protected static string ScratchFile(string name) => Path.Combine(ScratchDirectory, $"electra-fuzz-{Environment.ProcessId}-{name}");

    /// <summary>Removes this process's scratch files (the last input of each file-based target).</summary>
    public static void DeleteScratchFiles()
    {
        foreach (var f in Directory.EnumerateFiles(ScratchDirectory, $"electra-fuzz-{Environment.ProcessId}-*"))
            File.Delete(f);
    }

    public static FuzzTarget Create(string name) => name switch
    {
        "safetensors" => new SafetensorsTarget(),
        "pickle" => new PickleTarget(),
        "config" => new ConfigTarget(),
        "tokenizer-json" => new TokenizerJsonTarget(),
        "tokenizer" => new TokenizerTarget(),
        "shard-index" => new ShardIndexTarget(),
        "inputs-json" => new InputsJsonTarget(),
        _ => throw new ArgumentException($"unknown target '{name}' (safetensors, pickle, config, tokenizer-json, tokenizer, shard-index, inputs-json)"),
    };

    public static readonly string[] Names = ["safetensors", "pickle", "config", "tokenizer-json", "tokenizer", "shard-index", "inputs-json"];
}

/// <summary>SafetensorsFile.Open on the bytes, then every tensor read as float32 or int64.</summary>
public sealed class SafetensorsTarget : FuzzTarget
{
    private readonly string _path = ScratchFile("fuzz.safetensors");
    public override string Name => "safetensors";

    // Small synthetic files (every dtype, scalars, empty tensors, metadata) keep executions cheap; the smallest
    // fixture adds a real header with real key names.
    public override IEnumerable<byte[]> Seeds(string repoRoot)
    {
        yield return File.ReadAllBytes(Directory.EnumerateFiles(Shared(repoRoot, "fixtures"), "model.safetensors", SearchOption.AllDirectories)
            .OrderBy(p => new FileInfo(p).Length).ThenBy(p => p, StringComparer.Ordinal).First());
        yield return Raw("""{"__metadata__":{"format":"pt"},"a.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"b.bias":{"dtype":"F16","shape":[4],"data_offsets":[24,32]}}""", 32);
        yield return Raw("""{"x":{"dtype":"BF16","shape":[2,2],"data_offsets":[0,8]},"ids":{"dtype":"I64","shape":[3],"data_offsets":[8,32]},"m":{"dtype":"U8","shape":[5],"data_offsets":[32,37]},"f":{"dtype":"BOOL","shape":[1],"data_offsets":[37,38]}}""", 38);
        yield return Raw("""{"s":{"dtype":"F32","shape":[],"data_offsets":[0,4]},"e":{"dtype":"F32","shape":[0,7],"data_offsets":[4,4]},"i":{"dtype":"I32","shape":[1,1],"data_offsets":[4,8]},"h":{"dtype":"I16","shape":[2],"data_offsets":[8,12]},"c":{"dtype":"I8","shape":[2],"data_offsets":[12,14]},"d":{"dtype":"F64","shape":[1],"data_offsets":[14,22]}}""", 22);
    }

    private static byte[] Raw(string header, int dataBytes)
    {
        var h = Encoding.UTF8.GetBytes(header);
        var data = new byte[dataBytes];
        new Random(dataBytes).NextBytes(data);
        return [.. BitConverter.GetBytes((long)h.Length), .. h, .. data];
    }

    // Edits the JSON header and rewrites the 8-byte length so the mutation reaches the header validation.
    public override Func<byte[], byte[]>? Structured(Mutator mutator, Random rng) => data =>
    {
        if (data.Length < 8) return data;
        long n = BitConverter.ToInt64(data, 0);
        if (n < 2 || n > data.Length - 8) return data;
        var header = mutator.Json(data[8..(8 + (int)n)]);
        var body = data[(8 + (int)n)..];
        if (rng.Next(4) == 0) body = body[..rng.Next(body.Length + 1)];
        return [.. BitConverter.GetBytes((long)header.Length), .. header, .. body];
    };

    public override void Execute(byte[] input)
    {
        File.WriteAllBytes(_path, input);
        using var file = SafetensorsFile.Open(_path);
        foreach (var key in file.Keys)
        {
            var info = file.GetInfo(key);
            if (DTypeConversion.IsFloat(info.DType)) _ = file.ReadFloat32(key).ToArray();
            else _ = file.ReadInt64(key);
        }
    }
}

/// <summary>
/// PyTorchBinCheckpoint.Open on a torch.save zip and every tensor read. Half the inputs mutate the archive bytes;
/// the other half mutate data.pkl and rebuild a well-formed zip around it, so the pickle machine itself is reached.
/// </summary>
public sealed class PickleTarget : FuzzTarget
{
    private readonly string _path = ScratchFile("fuzz.bin");
    private List<(string Name, byte[] Data)> _entries = [];
    public override string Name => "pickle";

    // The fixture's real torch.save archive, and small archives in each pickle style torch writes (plain dict,
    // OrderedDict with _metadata, protocol 4 Parameters) with F32/F16/BF16 storages, a shared storage, an offset view
    // and a transposed (non-contiguous) view.
    public override IEnumerable<byte[]> Seeds(string repoRoot)
    {
        var real = Directory.EnumerateFiles(Shared(repoRoot, "fixtures"), "pytorch_model.bin", SearchOption.AllDirectories)
            .Select(File.ReadAllBytes).First();
        using (var zip = new ZipArchive(new MemoryStream(real)))
            _entries = zip.Entries.Select(e => (e.FullName, ReadAll(e))).ToList();
        var storage = Enumerable.Range(0, 24).Select(i => (byte)i).ToArray();
        var tensors = new List<BinTensor>
        {
            TorchBinWriter.Contiguous("w", "FloatStorage", "0", storage, 4, 2, 3),
            new("t", "FloatStorage", "0", storage, 6, 0, [3, 2], [1, 3]),
            new("v", "FloatStorage", "0", storage, 6, 2, [2], [1]),
            TorchBinWriter.Contiguous("h", "HalfStorage", "1", storage[..8], 2, 4),
            TorchBinWriter.Contiguous("b", "BFloat16Storage", "2", storage[..4], 2, 2),
        };
        var seeds = new List<byte[]> { real };
        foreach (var style in Enum.GetValues<PickleStyle>())
            seeds.Add(TorchBinWriter.Archive(tensors, style));
        // The structured mutation edits the small plain-dict pickle most of the time: it reaches the unpickler cheaply.
        _small = [("archive/data.pkl", TorchBinWriter.Pickle(tensors)), ("archive/data/0", storage), ("archive/data/1", storage[..8]),
            ("archive/data/2", storage[..4]), ("archive/version", "3\n"u8.ToArray())];
        return seeds;
    }

    private List<(string Name, byte[] Data)> _small = [];

    private static byte[] ReadAll(ZipArchiveEntry e)
    {
        using var s = e.Open();
        using var m = new MemoryStream();
        s.CopyTo(m);
        return m.ToArray();
    }

    public override Func<byte[], byte[]>? Structured(Mutator mutator, Random rng) => data =>
    {
        var source = rng.Next(8) == 0 ? _entries : _small;
        var pkl = source.FindIndex(e => e.Name.EndsWith("data.pkl", StringComparison.Ordinal));
        if (pkl < 0) return data;
        var pickle = source[pkl].Data;
        for (int i = 0, n = 1 + rng.Next(4); i < n; i++) pickle = mutator.MutateOnce(pickle, [pickle]);
        var entries = source.Select((e, i) => new TestZipEntry(e.Name, i == pkl ? pickle : e.Data)).ToList();
        if (rng.Next(4) == 0)
        {
            // Shorten one storage so tensors can outrun it.
            int k = rng.Next(entries.Count);
            entries[k] = entries[k] with { Data = entries[k].Data[..rng.Next(entries[k].Data.Length + 1)] };
        }
        return TestZipWriter.Write(entries);
    };

    public override void Execute(byte[] input)
    {
        File.WriteAllBytes(_path, input);
        using var checkpoint = PyTorchBinCheckpoint.Open(_path);
        foreach (var key in checkpoint.Keys)
        {
            if (DTypeConversion.IsFloat(checkpoint.GetInfo(key).DType)) _ = checkpoint.ReadFloat32(key).ToArray();
        }
    }
}

/// <summary>ElectraConfigJson.Parse on the text (decoded as File.ReadAllText would), then a round trip through ToJson.</summary>
public sealed class ConfigTarget : FuzzTarget
{
    public override string Name => "config";

    public override IEnumerable<byte[]> Seeds(string repoRoot) =>
        Directory.EnumerateFiles(Shared(repoRoot, "fixtures"), "config.json", SearchOption.AllDirectories)
            .Concat(Directory.EnumerateFiles(Path.Combine(repoRoot, "models"), "config.json", SearchOption.AllDirectories))
            .OrderBy(p => p, StringComparer.Ordinal)
            .Select(File.ReadAllBytes);

    public override Func<byte[], byte[]>? Structured(Mutator mutator, Random rng) => mutator.Json;

    public override void Execute(byte[] input)
    {
        var config = ElectraConfigJson.Parse(Encoding.UTF8.GetString(input), "fuzz/config.json");
        var again = ElectraConfigJson.Parse(ElectraConfigJson.ToJson(config), "round-trip");
        if (ElectraConfigJson.ToJson(again) != ElectraConfigJson.ToJson(config))
            throw new InvalidOperationException("config does not survive a ToJson/Parse round trip");
    }
}

/// <summary>BertTokenizer.FromTokenizerJson on the bytes, then one encode/decode with the loaded tokenizer.</summary>
public sealed class TokenizerJsonTarget : FuzzTarget
{
    private readonly string _path = ScratchFile("tokenizer.json");
    public override string Name => "tokenizer-json";

    public override IEnumerable<byte[]> Seeds(string repoRoot) =>
        Directory.EnumerateFiles(Path.Combine(repoRoot, "fuzz", "seeds", "tokenizer-json")).OrderBy(p => p, StringComparer.Ordinal).Select(File.ReadAllBytes);

    public override Func<byte[], byte[]>? Structured(Mutator mutator, Random rng) => mutator.Json;

    public override void Execute(byte[] input)
    {
        File.WriteAllBytes(_path, input);
        var tokenizer = BertTokenizer.FromTokenizerJson(_path);
        var encoding = tokenizer.Encode("Hello, wörld! unaffable 日本", "second part");
        _ = tokenizer.Decode(encoding.InputIds.ToArray());
    }
}

/// <summary>
/// The tokenizer on arbitrary text (UTF-8 decoded, and raw UTF-16 for lone surrogates) with options taken from the
/// first bytes; checks the invariants every encoding must satisfy (ids in the vocabulary, offsets inside the text,
/// lengths within max_length when truncating).
/// </summary>
public sealed class TokenizerTarget : FuzzTarget
{
    private BertTokenizer? _tokenizer;
    public override string Name => "tokenizer";

    public override IEnumerable<byte[]> Seeds(string repoRoot)
    {
        _tokenizer = BertTokenizer.Load(Path.Combine(repoRoot, "models", "electra-tiny-rtd", "discriminator"));
        var corpus = Shared(repoRoot, "fixtures", "tokenizer", "corpus.txt");
        return File.ReadLines(corpus).Where(l => l.Length > 0).Take(500)
            .Select(l => (byte[])[0, 0, .. Encoding.UTF8.GetBytes(l)]);
    }

    public override void Execute(byte[] input)
    {
        var tokenizer = _tokenizer!;
        if (input.Length < 2) input = [.. input, 0, 0];
        byte a = input[0], b = input[1];
        var body = input.AsSpan(2);
        string text = (a & 1) == 0 ? Encoding.UTF8.GetString(body) : new string(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, char>(body[..(body.Length & ~1)]));
        string? pair = null;
        if ((a & 2) != 0)
        {
            int cut = text.Length == 0 ? 0 : b % (text.Length + 1);
            (text, pair) = (text[..cut], text[cut..]);
        }
        var truncation = (TruncationStrategy)((a >> 2) & 3);
        var options = new EncodeOptions
        {
            AddSpecialTokens = (a & 16) == 0,
            Truncation = truncation,
            MaxLength = truncation == TruncationStrategy.None ? null : b % 40,
            Stride = (b >> 5) & 3,
            Padding = (a & 32) == 0 ? PaddingStrategy.None : PaddingStrategy.MaxLength,
            PadToMultipleOf = (a & 64) == 0 ? null : 1 + (b & 7),
        };
        BertEncoding encoding;
        try
        {
            encoding = tokenizer.Encode(text, pair, options);
        }
        catch (Electra.Core.Errors.ElectraException) when (truncation != TruncationStrategy.None)
        {
            // Truncation that cannot be satisfied (max_length below the special tokens, only_second without a pair)
            // is refused with a typed error, as transformers refuses it; nothing more to check.
            return;
        }
        Check(encoding.InputIds.All(id => (uint)id < (uint)tokenizer.Vocabulary.Count), "id outside the vocabulary");
        Check(encoding.InputIds.Length == encoding.Offsets.Length && encoding.Tokens.Length == encoding.InputIds.Length
              && encoding.AttentionMask.Length == encoding.InputIds.Length && encoding.TokenTypeIds.Length == encoding.InputIds.Length,
            "parallel arrays differ in length");
        for (int i = 0; i < encoding.Offsets.Length; i++)
        {
            var o = encoding.Offsets[i];
            var source = encoding.SequenceIds[i] == 1 ? pair! : text;
            Check(o.Start >= 0 && o.Start <= o.End && o.End <= (encoding.SequenceIds[i] is null ? 0 : source.Length), $"offset {o} of token {i} outside its text");
        }
        // Like transformers' slow tokenizer, truncation leaves the input whole (and logs) when the sequence to cut is
        // not longer than the tokens to remove: only_first/only_second always may, longest_first on a single text
        // when max_length leaves no room for a text token; max_length 0 is falsy there and truncates nothing.
        // Elsewhere the length bound must hold.
        int specials = options.AddSpecialTokens ? (pair is null ? 2 : 3) : 0;
        if (truncation == TruncationStrategy.LongestFirst && options.Padding == PaddingStrategy.None && options.MaxLength is int max
            && max > 0 && (pair is null ? max > specials : max >= specials))
            Check(encoding.Length <= max, $"length {encoding.Length} above max_length {max}");
        _ = tokenizer.Decode(encoding.InputIds.ToArray(), skipSpecialTokens: (b & 1) == 1);
        Span<int> ids = stackalloc int[64];
        _ = tokenizer.EncodeIds(text, ids);
    }

    private static void Check(bool condition, string what)
    {
        if (!condition) throw new InvalidOperationException("tokenizer invariant broken: " + what);
    }
}

/// <summary>ShardedWeightSource.Open on the index bytes (its shards: two small valid files beside it), then every tensor read.</summary>
public sealed class ShardIndexTarget : FuzzTarget
{
    private readonly string _dir;
    private readonly string _path;

    public ShardIndexTarget()
    {
        _dir = Directory.CreateDirectory(ScratchFile("shards")).FullName;
        _path = Path.Combine(_dir, "model.safetensors.index.json");
        foreach (var (name, key) in new[] { ("a.safetensors", "x.weight"), ("b.safetensors", "y.bias") })
        {
            var h = Encoding.UTF8.GetBytes($$$"""{"{{{key}}}":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""");
            File.WriteAllBytes(Path.Combine(_dir, name), [.. BitConverter.GetBytes((long)h.Length), .. h, .. new byte[8]]);
        }
    }

    public override string Name => "shard-index";

    public override IEnumerable<byte[]> Seeds(string repoRoot)
    {
        yield return Encoding.UTF8.GetBytes("""{"metadata": {"total_size": 16}, "weight_map": {"x.weight": "a.safetensors", "y.bias": "b.safetensors"}}""");
        yield return Encoding.UTF8.GetBytes("""{"weight_map": {"x.weight": "a.safetensors"}}""");
    }

    public override Func<byte[], byte[]>? Structured(Mutator mutator, Random rng) => mutator.Json;

    public override void Execute(byte[] input)
    {
        File.WriteAllBytes(_path, input);
        using var source = ShardedWeightSource.Open(_path, SafetensorsFile.Open);
        foreach (var key in source.Keys) _ = source.ReadFloat32(key).ToArray();
    }
}

/// <summary>ModelInputsJson.Parse on the text (what `electra forward --inputs` reads), then one forward of the smallest fixture model.</summary>
public sealed class InputsJsonTarget : FuzzTarget
{
    private Electra.Models.ElectraPretrained? _model;
    private string _fixture = "";

    public override string Name => "inputs-json";

    public override IEnumerable<byte[]> Seeds(string repoRoot)
    {
        _fixture = Shared(repoRoot, "fixtures", "pretraining_gelu");
        return Directory.EnumerateFiles(Shared(repoRoot, "fixtures"), "inputs.json", SearchOption.AllDirectories)
            .Where(p => new FileInfo(p).Length < 64 << 10)
            .OrderBy(p => p, StringComparer.Ordinal)
            .Take(12)
            .Select(File.ReadAllBytes);
    }

    public override Func<byte[], byte[]>? Structured(Mutator mutator, Random rng) => mutator.Json;

    public override void Execute(byte[] input)
    {
        var inputs = Electra.Models.ModelInputsJson.Parse(Encoding.UTF8.GetString(input), "fuzz/inputs.json");
        _model ??= Electra.Models.ElectraPretrained.Load(_fixture, new Electra.Cpu.CpuBackend(new Electra.Cpu.CpuBackendOptions(Threads: 1)));
        _ = _model.Forward(inputs);
    }
}
