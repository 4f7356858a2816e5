using Electra.Core.Backend;
using Electra.Core.Errors;
using Electra.Core.Tensors;
using Electra.Cpu;
using Electra.Tests.Support;
using FsCheck;
using FsCheck.Fluent;

namespace Electra.Tests.Vulkan;

/// <summary>
/// The embeddings as one Vulkan dispatch ≡ the CPU backend's Embed (three gathers, add, LayerNorm) on random tables,
/// ids, token types, positions and id shapes; bad ids are refused with their position, as Gather refuses them.
/// </summary>
[Collection("Vulkan")]
public sealed class EmbedProperties(VulkanFixture fixture)
{
    private const double Tol = 1e-4;

    private sealed record Case(int Vocab, int Types, int Positions, int Width, int[] Shape, int[] Ids, int[] TypeIds, int[] PositionIds,
        float[] WordTable, float[] TypeTable, float[] PositionTable, float[] Gamma, float[] Beta, float Eps);

    private static Case Random(int seed)
    {
        var rng = new Random(seed);
        int vocab = rng.Next(1, 300), types = rng.Next(1, 4), positions = rng.Next(1, 140);
        // Widths up to the one-dispatch limit (1024) and past it (the composed fallback), odd ones included.
        int width = rng.Next(4) switch { 0 => rng.Next(1, 9), 1 => rng.Next(9, 300), 2 => new[] { 128, 256, 768, 1024 }[rng.Next(4)], _ => rng.Next(1025, 1100) };
        int[] shape = rng.Next(3) switch { 0 => [rng.Next(0, 40)], 1 => [rng.Next(1, 4), rng.Next(1, 30)], _ => [1, 1] };
        int count = shape.Aggregate(1, (a, b) => a * b);
        int[] Ids(int rows) => Enumerable.Range(0, count).Select(_ => rng.Next(rows)).ToArray();
        return new Case(vocab, types, positions, width, shape, Ids(vocab), Ids(types), Ids(positions),
            RandomModels.Floats(rng, vocab * width), RandomModels.Floats(rng, types * width), RandomModels.Floats(rng, positions * width),
            RandomModels.Floats(rng, width), RandomModels.Floats(rng, width), rng.Next(2) == 0 ? 1e-12f : 1e-5f);
    }

    private static DeviceTensor Run(IBackend backend, IForwardPass pass, Case c) =>
        pass.Embed(new EmbeddingInputs(
            backend.UploadWeight(HostTensor.Create(c.WordTable, c.Vocab, c.Width)), pass.UploadInt(c.Ids, c.Shape),
            backend.UploadWeight(HostTensor.Create(c.TypeTable, c.Types, c.Width)), pass.UploadInt(c.TypeIds, c.Shape),
            backend.UploadWeight(HostTensor.Create(c.PositionTable, c.Positions, c.Width)), pass.UploadInt(c.PositionIds, c.Shape),
            backend.UploadWeight(HostTensor.Create(c.Gamma, c.Width)), backend.UploadWeight(HostTensor.Create(c.Beta, c.Width)), c.Eps));

    [VulkanProperty(MaxTest = 25)]
    public Property Vulkan_embed_equals_cpu_embed() =>
        Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), seed =>
        {
            var c = Random(seed);
            float[] expected;
            using (var cpu = new CpuBackend())
            using (var pass = cpu.BeginPass())
                expected = pass.Read(Run(cpu, pass, c));
            var vulkan = fixture.Backend;
            using var vpass = vulkan.BeginPass();
            var before = vulkan.Counters;
            var actual = vpass.Read(Run(vulkan, vpass, c));
            long dispatches = (vulkan.Counters - before).Dispatches;
            bool oneDispatch = c.Width > 1024 || expected.Length == 0 || dispatches == 1;
            return (oneDispatch && TestData.IsClose(expected.Select(v => (double)v).ToArray(), actual, Tol) &&
                    vulkan.ValidationMessages.IsEmpty)
                .Label($"seed {seed}: width {c.Width}, ids [{string.Join(", ", c.Shape)}], {dispatches} dispatches");
        });

    [VulkanTheory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void An_id_outside_its_table_is_refused_with_its_position(int which)
    {
        var c = Random(7) with { Shape = [3] };
        int[] good = [0, 0, 0], bad = [0, 0, 5000];
        c = c with { Ids = which == 0 ? bad : good, TypeIds = which == 1 ? bad : good, PositionIds = which == 2 ? bad : good };
        var vulkan = fixture.Backend;
        using var pass = vulkan.BeginPass();
        var e = Assert.ThrowsAny<InputException>(() => Run(vulkan, pass, c));
        Assert.Contains("5000 at position 2", e.Message);
    }
}
