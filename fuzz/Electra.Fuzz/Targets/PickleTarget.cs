using System.IO.Compression;
using Electra.Core.Checkpoints;
using Electra.Core.Checkpoints.PyTorch;
using Electra.Tests.Checkpoints;

namespace Electra.Fuzz;

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
