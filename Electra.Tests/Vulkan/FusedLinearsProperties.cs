using FsCheck;
using FsCheck.Fluent;
using Electra.Core.Backend;
using Electra.Core.Tensors;
using Electra.Cpu;
using Electra.Tests.Support;

namespace Electra.Tests.Vulkan;

/// <summary>Query, key and value as one fused dispatch ≡ three linears ≡ the CPU, on random odd shapes.</summary>
[Collection("Vulkan")]
public sealed class FusedLinearsProperties
{
    private readonly VulkanFixture _fixture;

    public FusedLinearsProperties(VulkanFixture fixture) => _fixture = fixture;

    [VulkanProperty(MaxTest = 15)]
    public Property Fused_query_key_value_equal_three_linears_and_the_cpu() =>
        Prop.ForAll(Gen.Zip(Gen.Zip(Gen.Choose(1, 70), Gen.Choose(1, 90)), Gen.Zip(Gen.Choose(1, 80), Gen.Choose(0, int.MaxValue))).ToArbitrary(), t =>
        {
            var ((m, k), (n, seed)) = t;
            var rng = new Random(seed);
            bool bias = rng.Next(2) == 0;
            var x = RandomModels.Floats(rng, m * k);
            var ws = Enumerable.Range(0, 3).Select(_ => (W: RandomModels.Floats(rng, n * k, 0.3f), B: bias ? RandomModels.Floats(rng, n) : null)).ToArray();
            LinearWeight[] Upload(IBackend be) =>
                [.. ws.Select(w => be.UploadLinear(HostTensor.Create(w.W, n, k), w.B is null ? null : HostTensor.Create(w.B, n)))];

            var vulkan = _fixture.Backend;
            // The same tiles for both, without split-K (which sums K in another order), so that they agree bit for bit.
            vulkan.Catalog.ForcedMatmul = Electra.Vulkan.Kernels.MatmulVariant.SmallM;
            try { return Check(vulkan); }
            finally { vulkan.Catalog.ForcedMatmul = null; }

            bool Check(Electra.Vulkan.VulkanBackend vulkan)
            {
            var vWeights = Upload(vulkan);
            using var vpass = vulkan.BeginPass();
            var before = vulkan.Counters;
            var fused = new DeviceTensor[3];
            vpass.Linears(vpass.Upload(x, [m, k]), vWeights, fused);
            long fusedDispatches = (vulkan.Counters - before).Dispatches;
            var single = vWeights.Select(w => vpass.Linear(vpass.Upload(x, [m, k]), w)).ToArray();

            using var cpu = new CpuBackend();
            using var cpass = cpu.BeginPass();
            var cWeights = Upload(cpu);
            var cx = cpass.Upload(x, [m, k]);
            for (int i = 0; i < 3; i++)
            {
                var f = vpass.Read(fused[i]);
                if (!f.SequenceEqual(vpass.Read(single[i]))) return false;   // the same arithmetic, bit for bit
                if (!TestData.IsClose(cpass.Read(cpass.Linear(cx, cWeights[i])).Select(v => (double)v).ToArray(), f, 1e-4)) return false;
            }
            return fusedDispatches == 1 && vulkan.ValidationMessages.IsEmpty;
            }
        });
}
