using System.Buffers.Binary;
using System.Text;
using Electra.Core.Checkpoints;
using Electra.Core.Checkpoints.PyTorch;
using Electra.Core.Errors;

namespace Electra.Tests.Checkpoints;

/// <summary>pytorch_model.bin.index.json with its shards, opened through the shared sharded reader.</summary>
public class ShardedPyTorchBinTests
{
    private static byte[] F32(params float[] values)
    {
        var b = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(4 * i), values[i]);
        return b;
    }

    private static string WriteSharded(TempFolder dir, string extraMapEntry = "")
    {
        var a = TorchBinWriter.Contiguous("electra.embeddings.word_embeddings.weight", "FloatStorage", "0", F32(1, 2, 3, 4, 5, 6), 4, 3, 2);
        var b = TorchBinWriter.Contiguous("discriminator_predictions.dense.bias", "HalfStorage", "0", [0x00, 0x3C, 0x00, 0xC0], 2, 2);
        dir.File("pytorch_model-00001-of-00002.bin", TorchBinWriter.Archive([a], prefix: "pytorch_model-00001-of-00002"));
        dir.File("pytorch_model-00002-of-00002.bin", TorchBinWriter.Archive([b], prefix: "pytorch_model-00002-of-00002"));
        var index = $$$"""
            {"metadata": {"total_size": 28}, "weight_map": {
              "electra.embeddings.word_embeddings.weight": "pytorch_model-00001-of-00002.bin",
              {{{extraMapEntry}}}
              "discriminator_predictions.dense.bias": "pytorch_model-00002-of-00002.bin"}}
            """;
        return dir.File("pytorch_model.bin.index.json", Encoding.UTF8.GetBytes(index));
    }

    [Fact]
    public void ShardedIndexReadsEveryShard()
    {
        using var dir = new TempFolder();
        var index = WriteSharded(dir);
        using var weights = ShardedWeightSource.Open(index, PyTorchBinCheckpoint.Open);
        Assert.Equal(2, weights.Keys.Count);
        Assert.Equal([1f, 2, 3, 4, 5, 6], weights.ReadFloat32("electra.embeddings.word_embeddings.weight").ToArray());
        Assert.Equal([1f, -2f], weights.ReadFloat32("discriminator_predictions.dense.bias").ToArray());
        Assert.Equal(StorageDType.F16, weights.GetInfo("discriminator_predictions.dense.bias").DType);
    }

    [Fact]
    public void CheckpointLoaderFindsTheBinIndexInAFolder()
    {
        using var dir = new TempFolder();
        WriteSharded(dir);
        using var weights = CheckpointLoader.Open(dir.Path);
        Assert.Equal([1f, -2f], weights.ReadFloat32("discriminator_predictions.dense.bias").ToArray());
    }

    [Fact]
    public void IndexNamingAKeyItsShardLacksIsRefused()
    {
        using var dir = new TempFolder();
        var index = WriteSharded(dir, "\"generator_lm_head.bias\": \"pytorch_model-00001-of-00002.bin\",");
        var e = Assert.Throws<CheckpointFormatException>(() => ShardedWeightSource.Open(index, PyTorchBinCheckpoint.Open));
        Assert.Contains("generator_lm_head.bias", e.Message);
    }

    [Fact]
    public void HostileShardIsRefusedThroughTheIndex()
    {
        using var dir = new TempFolder();
        var index = WriteSharded(dir);
        var evil = new PickleBytes().Proto(2).Global("posix", "system").Str("id").Op(0x85).Reduce().Stop().ToArray();
        dir.File("pytorch_model-00002-of-00002.bin", TorchBinWriter.ArchiveWithPickle(evil, []));
        var e = Assert.Throws<UnsafePickleException>(() => ShardedWeightSource.Open(index, PyTorchBinCheckpoint.Open));
        Assert.Equal("posix.system", e.Global);
        Assert.Contains("pytorch_model-00002-of-00002.bin", e.Message);
    }
}
