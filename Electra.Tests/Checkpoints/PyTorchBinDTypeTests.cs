using System.Buffers.Binary;
using Electra.Core.Checkpoints;
using Electra.Core.Checkpoints.PyTorch;
using Electra.Core.Errors;

namespace Electra.Tests.Checkpoints;

/// <summary>Handmade .bin files whose values are known from the number formats themselves.</summary>
public class PyTorchBinDTypeTests
{
    private static byte[] U16(params ushort[] values)
    {
        var b = new byte[values.Length * 2];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(2 * i), values[i]);
        return b;
    }

    private static byte[] F32(params float[] values)
    {
        var b = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(4 * i), values[i]);
        return b;
    }

    private static float[] Read(TempFolder dir, BinTensor tensor, PickleStyle style = PickleStyle.PlainDict)
    {
        var path = dir.File("pytorch_model.bin", TorchBinWriter.Archive([tensor], style));
        using var bin = PyTorchBinCheckpoint.Open(path);
        var t = bin.ReadFloat32(tensor.Key);
        Assert.Equal(tensor.Size.Select(d => (int)d), t.Shape);
        return t.ToArray();
    }

    [Fact]
    public void F32StorageReadsExactly()
    {
        using var dir = new TempFolder();
        float[] values = [1.5f, -0.0f, float.Epsilon, float.MaxValue, -3.25e-20f, 7f];
        var got = Read(dir, TorchBinWriter.Contiguous("w", "FloatStorage", "0", F32(values), 4, 2, 3));
        Assert.Equal(values.Select(BitConverter.SingleToInt32Bits), got.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void HalfStorageWidensToKnownValues()
    {
        using var dir = new TempFolder();
        // 1, -2, 0x3555 = 1 + 341/1024 scaled by 2^-2, max half, smallest subnormal 2^-24, -inf
        ushort[] bits = [0x3C00, 0xC000, 0x3555, 0x7BFF, 0x0001, 0xFC00];
        float[] expected = [1f, -2f, 0.333251953125f, 65504f, 5.9604644775390625e-8f, float.NegativeInfinity];
        var got = Read(dir, TorchBinWriter.Contiguous("h", "HalfStorage", "0", U16(bits), 2, 3, 2));
        Assert.Equal(expected, got);
        Assert.Equal(bits.Select(HalfPrecisionReference.Half), got);
    }

    [Fact]
    public void BFloat16StorageWidensToKnownValues()
    {
        using var dir = new TempFolder();
        // 1, -3, 0x3EAB = (1 + 43/128)·2^-2, largest finite bf16, smallest subnormal 2^-133, +inf
        ushort[] bits = [0x3F80, 0xC040, 0x3EAB, 0x7F7F, 0x0001, 0x7F80];
        float[] expected = [1f, -3f, 0.333984375f, 3.3895313892515355e38f, 9.183549615799121e-41f, float.PositiveInfinity];
        var got = Read(dir, TorchBinWriter.Contiguous("b", "BFloat16Storage", "0", U16(bits), 2, 6));
        Assert.Equal(expected, got);
        Assert.Equal(bits.Select(HalfPrecisionReference.BFloat16), got);
    }

    [Fact]
    public void DoubleStorageRoundsToNearestFloat()
    {
        using var dir = new TempFolder();
        double[] values = [0.1, -1e-50, 1.0 + Math.ScaleB(1, -30)];
        var bytes = new byte[24];
        for (int i = 0; i < 3; i++) BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(8 * i), values[i]);
        var got = Read(dir, TorchBinWriter.Contiguous("d", "DoubleStorage", "0", bytes, 8, 3));
        Assert.Equal([0.1f, -0f, 1f], got);
    }

    [Fact]
    public void TransposedViewIsGatheredThroughItsStrides()
    {
        using var dir = new TempFolder();
        // Storage holds the 3x2 matrix [[0,1],[2,3],[4,5]] row-major; the tensor is its transpose (2x3, stride (1, 2)).
        var storage = F32(0, 1, 2, 3, 4, 5);
        var t = new BinTensor("t", "FloatStorage", "0", storage, 6, 0, [2, 3], [1, 2]);
        Assert.Equal([0f, 2, 4, 1, 3, 5], Read(dir, t));
    }

    [Fact]
    public void OffsetViewsSharingOneStorageReadTheirOwnSlices()
    {
        using var dir = new TempFolder();
        var storage = U16(0x3C00, 0x4000, 0x4200, 0x4400, 0x4500, 0x4600); // 1..6 as halves
        var a = new BinTensor("a", "HalfStorage", "0", storage, 6, 1, [2], [2]);   // elements 1, 3 → 2, 4
        var b = new BinTensor("b", "HalfStorage", "0", storage, 6, 4, [1, 2], [2, 1]); // elements 4, 5 → 5, 6
        var path = dir.File("pytorch_model.bin", TorchBinWriter.Archive([a, b]));
        using var bin = PyTorchBinCheckpoint.Open(path);
        Assert.Equal([2f, 4f], bin.ReadFloat32("a").ToArray());
        Assert.Equal([5f, 6f], bin.ReadFloat32("b").ToArray());
        Assert.Equal(StorageDType.F16, bin.GetInfo("b").DType);
        Assert.Equal([1L, 2L], bin.GetInfo("b").Shape.ToArray());
    }

    [Theory]
    [InlineData(PickleStyle.OrderedDictWithMetadata)]
    [InlineData(PickleStyle.Protocol4Parameters)]
    public void OtherPickleFormsOfAStateDictLoad(PickleStyle style)
    {
        using var dir = new TempFolder();
        var got = Read(dir, TorchBinWriter.Contiguous("electra.x", "FloatStorage", "7", F32(1, 2, 3, 4), 4, 2, 2), style);
        Assert.Equal([1f, 2, 3, 4], got);
    }

    [Fact]
    public void ScalarAndEmptyTensorsLoad()
    {
        using var dir = new TempFolder();
        var scalar = new BinTensor("s", "FloatStorage", "0", F32(42), 1, 0, [], []);
        var empty = new BinTensor("e", "FloatStorage", "1", [], 0, 0, [3, 0], [0, 1]);
        var path = dir.File("pytorch_model.bin", TorchBinWriter.Archive([scalar, empty]));
        using var bin = PyTorchBinCheckpoint.Open(path);
        Assert.Equal([42f], bin.ReadFloat32("s").ToArray());
        Assert.Empty(bin.ReadFloat32("s").Shape);
        Assert.Empty(bin.ReadFloat32("e").ToArray());
        Assert.Equal([3, 0], bin.ReadFloat32("e").Shape.ToArray());
    }

    [Fact]
    public void IntegerTensorsAreListedButNotReadAsFloat()
    {
        using var dir = new TempFolder();
        var ids = TorchBinWriter.Contiguous("electra.embeddings.position_ids", "LongStorage", "0", new byte[16], 8, 1, 2);
        var path = dir.File("pytorch_model.bin", TorchBinWriter.Archive([ids]));
        using var bin = PyTorchBinCheckpoint.Open(path);
        Assert.Equal(StorageDType.I64, bin.GetInfo(ids.Key).DType);
        var e = Assert.Throws<CheckpointFormatException>(() => bin.ReadFloat32(ids.Key));
        Assert.Contains("position_ids", e.Message);
        Assert.Contains("I64", e.Message);
    }

    [Fact]
    public void UnknownKeyIsAWeightMismatch()
    {
        using var dir = new TempFolder();
        var path = dir.File("pytorch_model.bin", TorchBinWriter.Archive([TorchBinWriter.Contiguous("a", "FloatStorage", "0", F32(1), 4, 1)]));
        using var bin = PyTorchBinCheckpoint.Open(path);
        Assert.False(bin.Contains("b"));
        var e = Assert.Throws<WeightMismatchException>(() => bin.ReadFloat32("b"));
        Assert.Equal("b", e.Key);
    }
}
