using Electra.Core.Checkpoints.PyTorch;
using Electra.Core.Errors;

namespace Electra.Tests.Checkpoints;

/// <summary>Hostile or broken pickles and archives: each must be refused with a typed error naming the problem.</summary>
public class HostilePickleTests
{
    private static byte[] Archive(byte[] pickle) => TorchBinWriter.ArchiveWithPickle(pickle, []);

    private static T Refuse<T>(byte[] fileBytes, PickleLimits? limits = null) where T : Exception
    {
        using var dir = new TempFolder();
        var path = dir.File("pytorch_model.bin", fileBytes);
        var e = Assert.Throws<T>(() => PyTorchBinCheckpoint.Open(path, limits ?? PickleLimits.Default).Dispose());
        Assert.Contains(path, e.Message);
        return e;
    }

    [Fact]
    public void OsSystemReduceIsRefusedAndNothingRuns()
    {
        using var witness = new TempFolder();
        string marker = Path.Combine(witness.Path, "pwned");
        // pickle of a class whose __reduce__ returns (os.system, ("touch <marker>",))
        var pickle = new PickleBytes().Proto(2).Global("os", "system").Str($"touch {marker}").Op(0x85).Reduce().Stop().ToArray();

        var e = Refuse<UnsafePickleException>(Archive(pickle));

        Assert.Equal("os.system", e.Global);
        Assert.Contains("'os.system'", e.Message);
        Assert.Equal(2, e.Offset);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public void BuiltinsEvalThroughStackGlobalIsRefused()
    {
        var pickle = new PickleBytes().Proto(4).StackGlobal("builtins", "eval").Str("1+1").Op(0x85).Reduce().Stop().ToArray();
        var e = Refuse<UnsafePickleException>(Archive(pickle));
        Assert.Equal("builtins.eval", e.Global);
    }

    [Fact]
    public void SubprocessPopenInsideAStateDictIsRefused()
    {
        // A plausible state dict whose first value is a Popen call instead of a tensor rebuild.
        var pickle = new PickleBytes().Proto(2).EmptyDict().Mark().Str("electra.embeddings.word_embeddings.weight")
            .Global("subprocess", "Popen").Str("id").Op(0x85).Reduce().SetItems().Stop().ToArray();
        var e = Refuse<UnsafePickleException>(Archive(pickle));
        Assert.Equal("subprocess.Popen", e.Global);
        Assert.Contains("subprocess.Popen", e.Message);
    }

    [Theory]
    [InlineData("torch", "load")]
    [InlineData("torch._utils", "_rebuild_tensor_v2x")]
    [InlineData("collections", "defaultdict")]
    [InlineData("__builtin__", "getattr")]
    public void NearMissGlobalsAreRefused(string module, string name)
    {
        var pickle = new PickleBytes().Proto(2).Global(module, name).Stop().ToArray();
        Assert.Equal($"{module}.{name}", Refuse<UnsafePickleException>(Archive(pickle)).Global);
    }

    [Fact]
    public void AllowedGlobalWithUnexpectedArgumentsIsRefused()
    {
        var pickle = new PickleBytes().Proto(2).Global("collections", "OrderedDict").Str("x").Op(0x85).Reduce().Stop().ToArray();
        var e = Refuse<PickleFormatException>(Archive(pickle));
        Assert.Contains("collections.OrderedDict", e.Message);
        Assert.Contains("REDUCE", e.Message);
    }

    [Fact]
    public void UnknownOpcodeIsNamedWithItsOffset()
    {
        var pickle = new PickleBytes().Proto(2).EmptyDict().Op(0xFF).Stop().ToArray();
        var e = Refuse<PickleFormatException>(Archive(pickle));
        Assert.Contains("unknown opcode 0xFF", e.Message);
        Assert.Equal(3, e.Offset);
        Assert.Contains("pickle byte 3", e.Message);
    }

    [Theory]
    [InlineData((byte)'i', "INST")]
    [InlineData((byte)0x81, "NEWOBJ")]
    [InlineData((byte)'o', "OBJ")]
    [InlineData((byte)0x82, "EXT1")]
    public void CodeRunningOpcodesAreRefusedByName(byte op, string name)
    {
        var pickle = new PickleBytes().Proto(2).Op(op).Stop().ToArray();
        Assert.Contains(name, Refuse<PickleFormatException>(Archive(pickle)).Message);
    }

    [Fact]
    public void StackUnderflowIsReported()
    {
        var pickle = new PickleBytes().Proto(2).Reduce().Stop().ToArray();
        Assert.Contains("stack underflow", Refuse<PickleFormatException>(Archive(pickle)).Message);
    }

    [Fact]
    public void ValuesBelowAMarkAreOutOfReach()
    {
        // TUPLE2 right after MARK may not reach the dict below the mark.
        var pickle = new PickleBytes().Proto(2).EmptyDict().EmptyDict().Mark().Op(0x86).Stop().ToArray();
        Assert.Contains("stack underflow", Refuse<PickleFormatException>(Archive(pickle)).Message);
    }

    [Fact]
    public void MemoFloodingHitsTheLimit()
    {
        var p = new PickleBytes().Proto(2).EmptyDict();
        for (uint i = 0; i < 200; i++) p.Op((byte)'r').Op(BitConverter.GetBytes(i * 1000));
        var e = Refuse<PickleFormatException>(Archive(p.Stop().ToArray()), new PickleLimits(MaxMemoEntries: 100));
        Assert.Contains("memo holds more than 100 entries", e.Message);
    }

    [Fact]
    public void MemoReadOfAnUnsetIndexIsReported()
    {
        var pickle = new PickleBytes().Proto(2).BinGet(7).Stop().ToArray();
        Assert.Contains("memo index 7", Refuse<PickleFormatException>(Archive(pickle)).Message);
    }

    [Fact]
    public void DeepMarkNestingHitsTheLimit()
    {
        var p = new PickleBytes().Proto(2);
        for (int i = 0; i < 10_000; i++) p.Mark();
        Assert.Contains("nested MARKs", Refuse<PickleFormatException>(Archive(p.Stop().ToArray())).Message);
    }

    [Fact]
    public void DeepTupleNestingHitsTheLimit()
    {
        var p = new PickleBytes().Proto(2).EmptyTuple();
        for (int i = 0; i < 100_000; i++) p.Op(0x85); // TUPLE1 wraps the previous tuple
        Assert.Contains("nest more than 64 levels", Refuse<PickleFormatException>(Archive(p.Stop().ToArray())).Message);
    }

    [Fact]
    public void SelfContainingListDoesNotHang()
    {
        // l = []; l.append(l) — a cycle through the memo.
        var pickle = new PickleBytes().Proto(2).Op((byte)']').BinPut(0).BinGet(0).Op((byte)'a').Stop().ToArray();
        Assert.Contains("contain themselves", Refuse<PickleFormatException>(Archive(pickle)).Message);
    }

    [Fact]
    public void StackFloodingHitsTheLimit()
    {
        var p = new PickleBytes().Proto(2);
        for (int i = 0; i < 1000; i++) p.Op((byte)'N');
        var e = Refuse<PickleFormatException>(Archive(p.Stop().ToArray()), new PickleLimits(MaxStackDepth: 500));
        Assert.Contains("stack holds more than 500", e.Message);
    }

    [Fact]
    public void StringLongerThanThePickleIsATruncation()
    {
        var pickle = new PickleBytes().Proto(2).Op((byte)'X', 0xE8, 0x03, 0, 0).Op("abc"u8.ToArray()).ToArray();
        Assert.Contains("truncated pickle", Refuse<PickleFormatException>(Archive(pickle)).Message);
    }

    [Fact]
    public void PickleWithoutStopIsReported()
    {
        var pickle = new PickleBytes().Proto(2).EmptyDict().ToArray();
        Assert.Contains("without STOP", Refuse<PickleFormatException>(Archive(pickle)).Message);
    }

    [Fact]
    public void StateDictHoldingANonTensorIsNamed()
    {
        var pickle = new PickleBytes().Proto(2).EmptyDict().Mark().Str("epoch").Int(3).SetItems().Stop().ToArray();
        var e = Refuse<CheckpointFormatException>(Archive(pickle));
        Assert.Contains("'epoch'", e.Message);
        Assert.Contains("not a tensor", e.Message);
    }

    [Fact]
    public void PersistentIdThatIsNotAStorageIsRefused()
    {
        var pickle = new PickleBytes().Proto(2).Str("evil").BinPersId().Stop().ToArray();
        Assert.Contains("persistent id 'evil'", Refuse<PickleFormatException>(Archive(pickle)).Message);
    }

    [Fact]
    public void StorageShorterThanTheTensorNamesTheKey()
    {
        var t = new BinTensor("electra.encoder.layer.0.output.dense.weight", "FloatStorage", "0", new byte[16], 4, 0, [2, 4], [4, 1]);
        var e = Refuse<CheckpointFormatException>(TorchBinWriter.Archive([t]));
        Assert.Contains("'electra.encoder.layer.0.output.dense.weight'", e.Message);
        Assert.Contains("needs 8 elements of storage '0', which holds only 4", e.Message);
    }

    [Fact]
    public void StorageEntryShorterThanItsDeclaredNumelNamesTheKey()
    {
        var t = new BinTensor("w", "FloatStorage", "0", new byte[12], 4, 0, [4], [1]);
        var e = Refuse<CheckpointFormatException>(TorchBinWriter.Archive([t]));
        Assert.Contains("tensor 'w'", e.Message);
        Assert.Contains("12 bytes", e.Message);
    }

    [Fact]
    public void MissingStorageEntryIsNamed()
    {
        var t = new BinTensor("w", "FloatStorage", "5", new byte[4], 1, 0, [1], [1]);
        var archive = TestZipWriter.Write([new("archive/data.pkl", TorchBinWriter.Pickle([t]))]);
        Assert.Contains("archive/data/5", Refuse<CheckpointFormatException>(archive).Message);
    }

    [Fact]
    public void StorageKeyWithAPathIsRefused()
    {
        var t = new BinTensor("w", "FloatStorage", "../../etc/passwd", new byte[4], 1, 0, [1], [1]);
        var archive = TestZipWriter.Write([new("archive/data.pkl", TorchBinWriter.Pickle([t]))]);
        Assert.Contains("not a plain entry name", Refuse<PickleFormatException>(archive).Message);
    }

    [Fact]
    public void EntryDeclaringMoreBytesThanTheFileHasIsRefused()
    {
        var t = TorchBinWriter.Contiguous("w", "FloatStorage", "0", new byte[16], 4, 4);
        var entries = new List<TestZipEntry>
        {
            new("archive/data.pkl", TorchBinWriter.Pickle([t])),
            new("archive/data/0", t.StorageBytes) { DeclaredLength = 1L << 30 },
        };
        var e = Refuse<CheckpointFormatException>(TestZipWriter.Write(entries));
        Assert.Contains("archive/data/0", e.Message);
        Assert.Contains("declares 1073741824 compressed bytes", e.Message);
    }

    [Fact]
    public void EntryHoldingFewerBytesThanItDeclaresIsATruncation()
    {
        // The directory declares 16 stored bytes; the archive really holds 16, but the local data is cut: the pickle
        // entry follows directly, so a reader that trusted the declaration would read into it. Checked while reading.
        var t = TorchBinWriter.Contiguous("w", "FloatStorage", "0", new byte[16], 4, 4);
        var entries = new List<TestZipEntry>
        {
            new("archive/data/0", new byte[8]) { DeclaredLength = 16 },
            new("archive/data.pkl", TorchBinWriter.Pickle([t])),
        };
        using var dir = new TempFolder();
        var path = dir.File("pytorch_model.bin", TestZipWriter.Write(entries));
        using var bin = PyTorchBinCheckpoint.Open(path);
        var e = Assert.Throws<CheckpointFormatException>(() => bin.ReadFloat32("w"));
        Assert.Contains("archive/data/0", e.Message);
        Assert.Contains("CRC-32", e.Message);
    }

    [Fact]
    public void ZipBombRatioIsRefusedBeforeReading()
    {
        // Deflate entry of 10 bytes that claims to expand to 1 GiB.
        var t = new BinTensor("w", "FloatStorage", "0", new byte[10], 4, 0, [4], [1]);
        var entries = new List<TestZipEntry>
        {
            new("archive/data.pkl", TorchBinWriter.Pickle([t])),
            new("archive/data/0", new byte[10]) { Method = 8, DeclaredCompressedLength = 10, DeclaredLength = 1L << 30 },
        };
        var e = Refuse<CheckpointFormatException>(TestZipWriter.Write(entries));
        Assert.Contains("zip bomb", e.Message);
        Assert.Contains("tensor 'w'", e.Message);
        Assert.Contains("archive/data/0", e.Message);
    }

    [Fact]
    public void StorageOverTheSizeLimitIsRefused()
    {
        var t = TorchBinWriter.Contiguous("w", "FloatStorage", "0", new byte[64], 4, 16);
        var e = Refuse<CheckpointFormatException>(TorchBinWriter.Archive([t]), new PickleLimits(MaxStorageBytes: 32));
        Assert.Contains("more than the limit of 32", e.Message);
    }

    [Fact]
    public void TruncatedZipIsRefused()
    {
        var t = TorchBinWriter.Contiguous("w", "FloatStorage", "0", new byte[400], 4, 100);
        var whole = TorchBinWriter.Archive([t]);
        var e = Refuse<CheckpointFormatException>(whole[..(whole.Length / 2)]);
        Assert.Contains("zip", e.Message);
    }

    [Fact]
    public void LegacyNonZipSaveGetsTheResaveAdvice()
    {
        // What torch.save(..., _use_new_zipfile_serialization=False) starts with: PROTO 2, LONG1 magic number.
        byte[] legacy = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e];
        var e = Refuse<CheckpointFormatException>(legacy);
        Assert.Contains("legacy", e.Message);
        Assert.Contains("torch.save(..., _use_new_zipfile_serialization=True)", e.Message);
        Assert.Contains("safetensors", e.Message);
    }

    [Fact]
    public void ArbitraryBytesAreNotACheckpoint()
    {
        Assert.Contains("neither a zip archive", Refuse<CheckpointFormatException>("hello world"u8.ToArray()).Message);
        Assert.Contains("empty", Refuse<CheckpointFormatException>([]).Message);
    }

    [Fact]
    public void ZipWithoutDataPklIsRefused()
    {
        var archive = TestZipWriter.Write([new("model/weights.txt", "x"u8.ToArray())]);
        Assert.Contains("data.pkl", Refuse<CheckpointFormatException>(archive).Message);
    }

    [Fact]
    public void BigEndianArchiveIsRefused()
    {
        var entries = new List<TestZipEntry>
        {
            new("archive/data.pkl", new PickleBytes().Proto(2).EmptyDict().Stop().ToArray()),
            new("archive/byteorder", "big"u8.ToArray()),
        };
        Assert.Contains("'big'-endian", Refuse<CheckpointFormatException>(TestZipWriter.Write(entries)).Message);
    }
}
