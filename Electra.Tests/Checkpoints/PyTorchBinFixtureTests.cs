using Electra.Core.Checkpoints;
using Electra.Core.Checkpoints.PyTorch;
using Electra.Tests.Support;

namespace Electra.Tests.Checkpoints;

/// <summary>The pytorch_model.bin that torch.save wrote must hold exactly the tensors of the same model's safetensors.</summary>
public class PyTorchBinFixtureTests
{
    private static string FixturePath(string caseName, string file) => Path.Combine(SharedData.Fixture(caseName), file);

    [Fact]
    public void TorchSavedBinMatchesSafetensorsBitForBit()
    {
        var expected = MinimalSafetensors.ReadF32(FixturePath("pretraining_loss_silu", "model.safetensors"));
        using var bin = PyTorchBinCheckpoint.Open(FixturePath("pretraining_loss_silu_bin", "pytorch_model.bin"));

        Assert.Equal(expected.Keys.OrderBy(k => k, StringComparer.Ordinal), bin.Keys.OrderBy(k => k, StringComparer.Ordinal));
        foreach (var (key, (shape, data)) in expected)
        {
            var info = bin.GetInfo(key);
            Assert.Equal(StorageDType.F32, info.DType);
            Assert.Equal(shape.Select(d => (long)d), info.Shape);
            var tensor = bin.ReadFloat32(key);
            Assert.Equal(shape, tensor.Shape);
            var actual = tensor.ToArray();
            Assert.True(data.AsSpan().SequenceEqual(actual), $"{key}: values differ from model.safetensors");
        }
    }

    [Fact]
    public void TorchSavedBinKeepsStateDictOrder()
    {
        using var bin = PyTorchBinCheckpoint.Open(FixturePath("pretraining_loss_silu_bin", "pytorch_model.bin"));
        Assert.Equal("electra.embeddings.word_embeddings.weight", bin.Keys.First());
        Assert.Equal(57, bin.Keys.Count);
    }
}
