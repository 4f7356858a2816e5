using Electra.Core.Checkpoints.PyTorch;
using Electra.Core.Errors;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Electra.Tests.Checkpoints;

/// <summary>Corrupted files either load or fail with a typed Electra error: never another exception, hang or crash.</summary>
public class PyTorchBinFuzzProperties
{
    private static readonly BinTensor[] Tensors =
    [
        TorchBinWriter.Contiguous("a.weight", "FloatStorage", "0", new byte[24], 4, 2, 3),
        new BinTensor("a.weight_t", "FloatStorage", "0", new byte[24], 6, 0, [3, 2], [1, 3]),
        TorchBinWriter.Contiguous("b.bias", "HalfStorage", "1", new byte[8], 2, 4),
    ];

    private static readonly byte[] ValidPickle = TorchBinWriter.Pickle(Tensors, PickleStyle.OrderedDictWithMetadata);
    private static readonly byte[] ValidArchive = TorchBinWriter.ArchiveWithPickle(ValidPickle, Tensors);

    /// <summary>Up to 4 byte overwrites at random positions, then an optional truncation.</summary>
    private static Gen<byte[]> Corrupt(byte[] original) =>
        from edits in Gen.ListOf(Gen.Zip(Gen.Choose(0, original.Length - 1), Gen.Choose(0, 255)), 4)
        from cut in Gen.Frequency((3, Gen.Constant(original.Length)), (1, Gen.Choose(0, original.Length)))
        select Apply(original, edits, cut);

    private static byte[] Apply(byte[] original, IEnumerable<(int, int)> edits, int cut)
    {
        var copy = (byte[])original.Clone();
        foreach (var (at, value) in edits) copy[at] = (byte)value;
        return copy[..cut];
    }

    private static bool LoadsOrFailsTyped(byte[] file)
    {
        using var dir = new TempFolder();
        var path = dir.File("pytorch_model.bin", file);
        try
        {
            using var bin = PyTorchBinCheckpoint.Open(path);
            foreach (var key in bin.Keys) bin.ReadFloat32(key);
            return true;
        }
        catch (ElectraException)
        {
            return true;
        }
    }

    [Property(MaxTest = 200)]
    public Property CorruptedPicklesFailTyped() =>
        Prop.ForAll(Corrupt(ValidPickle).ToArbitrary(), p => LoadsOrFailsTyped(TorchBinWriter.ArchiveWithPickle(p, Tensors)));

    [Property(MaxTest = 200)]
    public Property CorruptedArchivesFailTyped() =>
        Prop.ForAll(Corrupt(ValidArchive).ToArbitrary(), LoadsOrFailsTyped);
}
