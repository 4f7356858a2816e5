using Electra.Core.Tensors;
using Electra.Tests.Reference;
using Electra.Tests.Support;
using FsCheck;
using FsCheck.Fluent;

namespace Electra.Tests.Vulkan;

/// <summary>
/// A linear whose output goes into a LayerNorm with a residual runs as one dispatch (an encoder layer's output dense +
/// LayerNorm): both its outputs ≡ the reference's linear and LayerNorm, whether or not the linear's input was released
/// in between (as the encoder does) and with widths of one to four features per thread, in both the GPU-shaped kernel
/// and the one shaped for CPU devices (16 × 8 register blocks), each forced so that any device runs both.
/// </summary>
[Collection("Vulkan")]
public sealed class FusedLinearLayerNormProperties(VulkanFixture fixture)
{
    private const double Tol = 1e-4;

    [VulkanProperty(MaxTest = 15)]
    public Property Linear_then_layer_norm_equals_the_reference_as_one_dispatch() => FusedMatches(cpuShaped: false);

    [VulkanProperty(MaxTest = 15)]
    public Property The_cpu_shaped_kernel_equals_the_reference_as_one_dispatch() => FusedMatches(cpuShaped: true);

    private Property FusedMatches(bool cpuShaped) =>
        Prop.ForAll(Gen.Zip(Gen.Zip(Gen.Choose(1, 40), Gen.Choose(1, 70)), Gen.Zip(Gen.OneOf(Gen.Choose(1, 300), Gen.Elements(256, 257, 768, 1024)),
            Gen.Choose(0, int.MaxValue))).ToArbitrary(), t =>
        {
            var ((m, k), (n, seed)) = t;
            var backend = fixture.Backend;
            backend.Catalog.CpuShapedKernels = cpuShaped;
            try { return Check(m, n, k, seed).Label($"{(cpuShaped ? "CPU" : "GPU")}-shaped"); }
            finally { backend.Catalog.ResetCpuShapedKernels(); }
        });

    private Property Check(int m, int n, int k, int seed)
    {
        var rng = new Random(seed);
        var x = RandomModels.Floats(rng, m * k);
        var w = RandomModels.Floats(rng, n * k, 0.3f);
        var bias = rng.Next(2) == 0 ? RandomModels.Floats(rng, n) : null;
        var residual = RandomModels.Floats(rng, m * n);
        var gamma = RandomModels.Floats(rng, n);
        var beta = RandomModels.Floats(rng, n);
        bool release = rng.Next(2) == 0;
        var (y, _) = ReferenceOps.Linear(x, w, bias, m, n, k, Electra.Core.Backend.Activation.Identity);
        var expected = ReferenceOps.LayerNorm(y.Select(v => (float)v).ToArray(), residual, gamma, beta, n, 1e-12);

        var backend = fixture.Backend;
        var linear = backend.UploadLinear(HostTensor.Create(w, n, k), bias is null ? null : HostTensor.Create(bias, n));
        var (g, b) = (backend.UploadWeight(HostTensor.Create(gamma, n)), backend.UploadWeight(HostTensor.Create(beta, n)));
        using var pass = backend.BeginPass();
        var input = pass.Upload(x, [m, k]);
        var r = pass.Upload(residual, [m, n]);
        pass.Read(r);   // the uploads are not counted below
        var before = backend.Counters;
        var projected = pass.Linear(input, linear);
        if (release) pass.Release(input);
        var normed = pass.LayerNorm(projected, r, g, b, 1e-12f);
        var normedValues = pass.Read(normed);
        long dispatches = (backend.Counters - before).Dispatches;
        return (dispatches == 1 && TestData.IsClose(y, pass.Read(projected), Tol) && TestData.IsClose(expected, normedValues, Tol)
                && backend.ValidationMessages.IsEmpty)
            .Label($"M {m}, N {n}, K {k}, input released {release}: {dispatches} dispatches");
    }
}
