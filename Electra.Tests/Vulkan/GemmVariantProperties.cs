using Electra.Core.Backend;
using Electra.Core.Tensors;
using Electra.Tests.Reference;
using Electra.Tests.Support;
using Electra.Vulkan.Kernels;
using FsCheck;
using FsCheck.Fluent;

namespace Electra.Tests.Vulkan;

/// <summary>
/// Every GEMM variant (128 × 128 register tiles, the small-M tiles, split-K, the CPU-shaped register blocks), forced in turn so that any device runs
/// each, ≡ the double-precision reference on random odd shapes: M = 1, K not a multiple of 4 or 32 (the scalar-load
/// path), N odd, with and without bias, every activation, float32 and float16 weights.
/// </summary>
[Collection("Vulkan")]
public sealed class GemmVariantProperties(VulkanFixture fixture)
{
    private const double Tol = 1e-4;

    private static Gen<int> Dim(int max) => Gen.OneOf(Gen.Choose(1, max), Gen.Elements(1, 4, 31, 32, 33, 64, 127, 129));

    private bool Matches(MatmulVariant? variant, int m, int n, int k, int seed, bool half)
    {
        var rng = new Random(seed);
        var act = (Activation)rng.Next(Enum.GetValues<Activation>().Length);
        var x = RandomModels.Floats(rng, m * k);
        var w = RandomModels.Floats(rng, n * k, 0.3f);
        var b = rng.Next(2) == 0 ? RandomModels.Floats(rng, n) : null;
        // float16 weights: the reference multiplies the same rounded weights, so only the arithmetic is compared.
        var backend = half ? fixture.Float16Backend : fixture.Backend;
        var wRef = half && backend.UsesFloat16Weights ? w.Select(v => (float)(Half)v).ToArray() : w;
        var (expected, _) = ReferenceOps.Linear(x, wRef, b, m, n, k, act);
        backend.Catalog.ForcedMatmul = variant;
        try
        {
            using var pass = backend.BeginPass();
            var y = pass.Read(pass.Linear(pass.Upload(x, [m, k]), backend.UploadLinear(HostTensor.Create(w, n, k), b is null ? null : HostTensor.Create(b, n)), act));
            return TestData.IsClose(expected, y, Tol) && backend.ValidationMessages.IsEmpty;
        }
        finally
        {
            backend.Catalog.ForcedMatmul = null;
        }
    }

    private Property Variant(MatmulVariant? variant, int maxM) =>
        Prop.ForAll(Gen.Zip(Gen.Zip(Dim(maxM), Dim(200)), Gen.Zip(Dim(150), Gen.Choose(0, int.MaxValue))).ToArbitrary(), t =>
        {
            var ((m, k), (n, seed)) = t;
            return Matches(variant, m, n, k, seed, half: false).Label($"{variant?.ToString() ?? "chosen"}: M {m}, N {n}, K {k}");
        });

    [VulkanProperty(MaxTest = 10)]
    public Property Large_tiles_equal_the_reference() => Variant(MatmulVariant.Large, 300);

    [VulkanProperty(MaxTest = 10)]
    public Property Small_m_tiles_equal_the_reference() => Variant(MatmulVariant.SmallM, 140);

    [VulkanProperty(MaxTest = 12)]
    public Property Split_k_equals_the_reference() => Variant(MatmulVariant.SplitK, 140);

    [VulkanProperty(MaxTest = 12)]
    public Property Cpu_shaped_blocks_equal_the_reference() => Variant(MatmulVariant.CpuBlocks, 140);

    [VulkanTheory]
    [InlineData(null, 1, 257, 129)]
    [InlineData("SplitK", 1, 33, 1000)]
    [InlineData("SplitK", 70, 130, 97)]
    [InlineData("Large", 130, 131, 67)]
    [InlineData("CpuBlocks", 33, 131, 67)]
    public void Float16_weights_in_every_variant_equal_the_reference_on_the_rounded_weights(string? variant, int m, int n, int k) =>
        Assert.True(Matches(variant is null ? null : Enum.Parse<MatmulVariant>(variant), m, n, k, m + n + k, half: true),
            $"{variant ?? "chosen"}: M {m}, N {n}, K {k}");

    [VulkanFact]
    public void A_split_k_linear_run_twice_in_one_forward_leaves_its_counters_ready()
    {
        // The arrival counters are zeroed once per pass and reset by each tile's last workgroup: a second dispatch (and a
        // second forward in the same pass) must see them at zero again.
        var backend = fixture.Backend;
        backend.Catalog.ForcedMatmul = MatmulVariant.SplitK;
        try
        {
            var rng = new Random(5);
            var x = RandomModels.Floats(rng, 3 * 100);
            var w = RandomModels.Floats(rng, 40 * 100, 0.3f);
            var (expected, _) = ReferenceOps.Linear(x, w, null, 3, 40, 100, Activation.Identity);
            var linear = backend.UploadLinear(HostTensor.Create(w, 40, 100), null);
            using var pass = backend.BeginPass();
            for (int forward = 0; forward < 2; forward++)
            {
                var input = pass.Upload(x, [3, 100]);
                var first = pass.Linear(input, linear);
                var second = pass.Linear(input, linear);
                TestData.Close(expected, pass.Read(first), Tol, "first");
                TestData.Close(expected, pass.Read(second), Tol, "second");
                Assert.True(pass.TryReleaseAll());
            }
        }
        finally
        {
            backend.Catalog.ForcedMatmul = null;
        }
        fixture.AssertNoValidationMessages();
    }
}
