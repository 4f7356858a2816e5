using Electra.Core.Backend;
using Electra.Core.Errors;
using Electra.Cpu;
using Electra.Tests.Support;
using FsCheck.Xunit;

namespace Electra.Tests.Cpu;

/// <summary>
/// The CPU backend's one-pass embeddings (<see cref="Electra.Cpu.Kernels.EmbeddingKernel"/>) against the composed default
/// (gathers, add, LayerNorm) on the same pass, bit for bit; ids outside their tables reported as the gathers report them.
/// </summary>
public class EmbeddingKernelTests
{
    static EmbeddingInputs Upload(IForwardPass pass, Random rng, int vocab, int types, int positions, int width, int rows, int length,
        Func<int, int>? badWord = null)
    {
        int tokens = rows * length;
        var ids = Enumerable.Range(0, tokens).Select(i => badWord?.Invoke(i) ?? rng.Next(vocab)).ToArray();
        var typeIds = Enumerable.Range(0, tokens).Select(_ => rng.Next(types)).ToArray();
        var positionIds = Enumerable.Range(0, tokens).Select(i => i % length % positions).ToArray();
        return new EmbeddingInputs(
            pass.Upload(RandomFloats.Uniform(rng, vocab * width, 1f), [vocab, width]), pass.UploadInt(ids, [rows, length]),
            pass.Upload(RandomFloats.Uniform(rng, types * width, 1f), [types, width]), pass.UploadInt(typeIds, [rows, length]),
            pass.Upload(RandomFloats.Uniform(rng, positions * width, 1f), [positions, width]), pass.UploadInt(positionIds, [rows, length]),
            pass.Upload(RandomFloats.Uniform(rng, width, 2f), [width]), pass.Upload(RandomFloats.Uniform(rng, width, 1f), [width]),
            rng.Next(2) == 0 ? 1e-12f : 1e-5f);
    }

    /// <summary>Odd widths, empty and long batches, one thread or two: the same bits as the composed default.</summary>
    [Property(MaxTest = 80)]
    public void OnePassIsTheComposedBits(int seed, byte widthSel, byte rowsSel, byte lengthSel, bool threaded)
    {
        var rng = new Random(seed);
        int width = 1 + widthSel % 300, rows = rowsSel % 5, length = 1 + lengthSel % 70;
        using var backend = new CpuBackend(new CpuBackendOptions(threaded ? 2 : 1));
        using var pass = backend.BeginPass();
        var e = Upload(pass, rng, 50, 3, 80, width, rows, length);
        var fused = pass.Read(pass.Embed(e));
        var composed = pass.Read(EmbeddingsReference.Compose(pass, e));
        TensorAssert.Bitwise($"width {width}, {rows} × {length}", composed, fused);
    }

    /// <summary>An id outside the word table (or negative) names itself and its position, as the gather does.</summary>
    [Theory]
    [InlineData(50)]
    [InlineData(-1)]
    public void AnIdOutsideItsTableIsNamed(int bad)
    {
        using var backend = new CpuBackend(new CpuBackendOptions(2));
        using var pass = backend.BeginPass();
        var e = Upload(pass, new Random(3), 50, 3, 80, 16, 2, 10, i => i == 13 ? bad : 1);
        var error = Assert.Throws<InputException>(() => pass.Embed(e));
        Assert.Equal($"index {bad} at position 13 is outside the embedding table's [0, 50)", error.Message);
    }

    /// <summary>Tables of different widths go to the composed default, whose add names the mismatch.</summary>
    [Fact]
    public void TablesOfDifferentWidthsAreReported()
    {
        using var backend = new CpuBackend(new CpuBackendOptions(1));
        using var pass = backend.BeginPass();
        var e = Upload(pass, new Random(4), 20, 2, 10, 8, 1, 5);
        e = e with { TokenTypeTable = pass.Upload(new float[2 * 9], [2, 9]) };
        Assert.Throws<InputException>(() => pass.Embed(e));
    }
}
