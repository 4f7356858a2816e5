using Electra.Core.Backend;
using Electra.Core.Tensors;
using Electra.Tests.Reference;
using Electra.Tests.Support;
using Electra.Vulkan;
using Electra.Vulkan.Kernels;
using FsCheck;
using FsCheck.Fluent;

namespace Electra.Tests.Vulkan;

/// <summary>
/// The _f16act kernels fed float16 activations directly: every GEMM variant (forced in turn, so lavapipe runs each)
/// ≡ the double-precision reference on the same rounded x and weights, on random odd shapes, within one float16
/// rounding of the output (sums are float32); conversions where a float32 upload meets float16 work; reads widen.
/// </summary>
[Collection("Vulkan")]
public sealed class Float16ActivationProperties(VulkanFixture fixture)
{
    // One float16 rounding of the result (2⁻¹¹ relative) plus float32 summation: |a − e| ≤ Tol·(1 + |e|).
    private const double Tol = 1e-3;

    private static float Round(float v) => (float)(Half)v;

    private static Gen<int> Dim(int max) => Gen.OneOf(Gen.Choose(1, max), Gen.Elements(1, 3, 31, 33, 127));

    private bool Matches(MatmulVariant variant, int m, int n, int k, int seed)
    {
        var backend = fixture.Float16Backend;
        if (backend.ActivationPrecision != ActivationPrecision.Float16) return true;   // the fallbacks: PrecisionChoiceTests
        var rng = new Random(seed);
        var act = (Activation)rng.Next(Enum.GetValues<Activation>().Length);
        var x = RandomModels.Floats(rng, m * k);
        var w = RandomModels.Floats(rng, n * k, 0.3f);
        var b = rng.Next(2) == 0 ? RandomModels.Floats(rng, n) : null;
        var (expected, _) = ReferenceOps.Linear(x.Select(Round).ToArray(), w.Select(Round).ToArray(), b, m, n, k, act);
        backend.Catalog.ForcedMatmul = variant;
        try
        {
            using var pass = backend.BeginPass();
            var input = ((Electra.Vulkan.VulkanForwardPass)pass).UploadActivation(x, [m, k]);
            var y = pass.Read(pass.Linear(input, backend.UploadLinear(HostTensor.Create(w, n, k), b is null ? null : HostTensor.Create(b, n)), act));
            return TestData.IsClose(expected, y, Tol) && backend.ValidationMessages.IsEmpty;
        }
        finally
        {
            backend.Catalog.ForcedMatmul = null;
        }
    }

    private Property Variant(MatmulVariant variant, int maxM) =>
        Prop.ForAll(Gen.Zip(Gen.Zip(Dim(maxM), Dim(150)), Gen.Zip(Dim(100), Gen.Choose(0, int.MaxValue))).ToArbitrary(), t =>
        {
            var ((m, k), (n, seed)) = t;
            return Matches(variant, m, n, k, seed).Label($"{variant} with float16 activations: M {m}, N {n}, K {k}");
        });

    [VulkanProperty(MaxTest = 4)]
    public Property Large_tiles_with_float16_activations() => Variant(MatmulVariant.Large, 300);

    [VulkanProperty(MaxTest = 4)]
    public Property Small_m_tiles_with_float16_activations() => Variant(MatmulVariant.SmallM, 100);

    [VulkanProperty(MaxTest = 4)]
    public Property Split_k_with_float16_activations() => Variant(MatmulVariant.SplitK, 100);

    [VulkanProperty(MaxTest = 6)]
    public Property Cpu_shaped_blocks_with_float16_activations() => Variant(MatmulVariant.CpuBlocks, 100);

    /// <summary>The data-movement and reduction kernels on float16 rows: exact copies, and a float32 mean rounded once.</summary>
    [VulkanFact]
    public void Concat_select_and_mean_over_the_sequence_on_float16_activations()
    {
        var backend = fixture.Float16Backend;
        if (backend.ActivationPrecision != ActivationPrecision.Float16) return;
        var rng = new Random(12);
        int batch = 2, s1 = 3, s2 = 5, width = 7;
        var a = RandomModels.Floats(rng, batch * s1 * width).Select(Round).ToArray();
        var b = RandomModels.Floats(rng, batch * s2 * width).Select(Round).ToArray();
        using var pass = backend.BeginPass();
        var vk = (Electra.Vulkan.VulkanForwardPass)pass;
        var joined = pass.ConcatSequence(vk.UploadActivation(a, [batch, s1, width]), vk.UploadActivation(b, [batch, s2, width]));
        var all = pass.Read(joined);
        int seq = s1 + s2;
        for (int r = 0; r < batch; r++)
            for (int s = 0; s < seq; s++)
                for (int h = 0; h < width; h++)
                    Assert.Equal(s < s1 ? a[(r * s1 + s) * width + h] : b[(r * s2 + s - s1) * width + h], all[(r * seq + s) * width + h]);
        var selected = pass.Read(pass.SelectPositions(joined, pass.UploadInt([6, 1], [batch])));
        var mean = pass.Read(pass.MeanOverSequence(joined));
        for (int r = 0; r < batch; r++)
            for (int h = 0; h < width; h++)
            {
                Assert.Equal(all[(r * seq + (r == 0 ? 6 : 1)) * width + h], selected[r * width + h]);
                double sum = 0;
                for (int s = 0; s < seq; s++) sum += all[(r * seq + s) * width + h];
                Assert.Equal(Round((float)(sum / seq)), mean[r * width + h], 1e-3f);
            }
        Assert.Empty(backend.ValidationMessages);
    }

    [VulkanFact]
    public void A_float32_upload_meets_float16_work_through_a_conversion_and_reads_widen()
    {
        var backend = fixture.Float16Backend;
        if (backend.ActivationPrecision != ActivationPrecision.Float16) return;
        var rng = new Random(11);
        var a = RandomModels.Floats(rng, 3 * 37);
        var b = RandomModels.Floats(rng, 3 * 37);
        using var pass = backend.BeginPass();
        var half = ((Electra.Vulkan.VulkanForwardPass)pass).UploadActivation(a, [3, 37]);
        var single = pass.Upload(b, [3, 37]);
        // float16 first: b is narrowed and the sum is a float16 addition; float32 first: a is widened, the sum float32.
        var narrowed = pass.Read(pass.Add(half, single));
        var widened = pass.Read(pass.Add(single, half));
        for (int i = 0; i < a.Length; i++)
        {
            Assert.Equal(Round(Round(a[i]) + Round(b[i])), narrowed[i]);
            Assert.Equal(b[i] + Round(a[i]), widened[i]);
        }
        Assert.Equal(a.Select(Round), pass.Read(half));
        Assert.Empty(backend.ValidationMessages);
    }
}
