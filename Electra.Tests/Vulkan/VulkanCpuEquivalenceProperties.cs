using FsCheck;
using FsCheck.Fluent;
using Electra.Core.Backend;
using Electra.Core.Tensors;
using Electra.Cpu;
using Electra.Models;
using Electra.Tests.Support;
using Electra.Vulkan;

namespace Electra.Tests.Vulkan;

/// <summary>Vulkan ≡ CPU on random odd shapes, random padding masks and random tiny models.</summary>
[Collection("Vulkan")]
public sealed class VulkanCpuEquivalenceProperties
{
    private const double Tol = 1e-4;
    private readonly VulkanFixture _fixture;

    public VulkanCpuEquivalenceProperties(VulkanFixture fixture) => _fixture = fixture;

    private VulkanBackend Vulkan => _fixture.Backend;

    private static Gen<int> Seed => Gen.Choose(0, int.MaxValue);

    private static float[] RunOnBoth(Func<IBackend, IForwardPass, DeviceTensor> op, out float[] cpuResult, VulkanBackend vulkan)
    {
        using var cpu = new CpuBackend();
        using (var pass = cpu.BeginPass()) cpuResult = pass.Read(op(cpu, pass));
        using var vpass = vulkan.BeginPass();
        return vpass.Read(op(vulkan, vpass));
    }

    private static bool Close(float[] expected, float[] actual, double tol) =>
        TestData.IsClose(expected.Select(v => (double)v).ToArray(), actual, tol);

    [VulkanProperty(MaxTest = 30)]
    public Property Linear_equals_cpu_on_random_odd_shapes() =>
        Prop.ForAll(Gen.Zip(Gen.Zip(Gen.Choose(1, 140), Gen.Choose(1, 200)), Gen.Zip(Gen.Choose(1, 150), Seed)).ToArbitrary(), t =>
        {
            var ((m, k), (n, seed)) = t;
            var rng = new Random(seed);
            var act = (Activation)rng.Next(Enum.GetValues<Activation>().Length);
            var x = RandomModels.Floats(rng, m * k);
            var w = RandomModels.Floats(rng, n * k, 0.3f);
            var b = rng.Next(2) == 0 ? RandomModels.Floats(rng, n) : null;
            var v = RunOnBoth((be, pass) => pass.Linear(pass.Upload(x, [m, k]),
                be.UploadLinear(HostTensor.Create(w, n, k), b == null ? null : HostTensor.Create(b, n)), act), out var c, Vulkan);
            return Close(c, v, Tol) && _fixture.Backend.ValidationMessages.IsEmpty;
        });

    [VulkanProperty(MaxTest = 30)]
    public Property LayerNorm_equals_cpu() =>
        Prop.ForAll(Gen.Zip(Gen.Zip(Gen.Choose(1, 70), Gen.Choose(1, 256)), Seed).ToArbitrary(), t =>
        {
            var ((rows, width), seed) = t;
            var rng = new Random(seed);
            var x = RandomModels.Floats(rng, rows * width, 2);
            var r = rng.Next(2) == 0 ? RandomModels.Floats(rng, rows * width) : null;
            var g = RandomModels.Floats(rng, width);
            var bt = RandomModels.Floats(rng, width);
            float eps = rng.Next(2) == 0 ? 1e-12f : 1e-5f;
            var v = RunOnBoth((be, pass) => pass.LayerNorm(pass.Upload(x, [rows, width]), r == null ? null : pass.Upload(r, [rows, width]),
                be.UploadWeight(HostTensor.Create(g, width)), be.UploadWeight(HostTensor.Create(bt, width)), eps), out var c, Vulkan);
            return Close(c, v, Tol);
        });

    /// <summary>1–4 heads, head sizes not multiples of anything, odd lengths 1..130, random padding, causal with Sq ≤ Sk.</summary>
    [VulkanProperty(MaxTest = 30)]
    public Property Attention_equals_cpu_with_random_masks() =>
        Prop.ForAll(Gen.Zip(Gen.Zip(Gen.Choose(1, 4), Gen.Choose(1, 13)), Gen.Zip(Gen.Choose(1, 130), Seed)).ToArbitrary(), t =>
        {
            var ((heads, headDim), (sk, seed)) = t;
            var rng = new Random(seed);
            int batch = rng.Next(1, 4), hidden = heads * headDim;
            bool causal = rng.Next(2) == 0;
            int sq = causal ? rng.Next(1, sk + 1) : sk;
            var q = RandomModels.Floats(rng, batch * sq * hidden);
            var k = RandomModels.Floats(rng, batch * sk * hidden);
            var vv = RandomModels.Floats(rng, batch * sk * hidden);
            var mask = new float[batch * sk];
            for (int b = 0; b < batch; b++)
            {
                int real = rng.Next(0, sk + 1);   // 0 real keys: a fully masked row
                for (int j = 0; j < sk; j++) mask[b * sk + j] = j < real ? 1 : 0;
            }
            using var cpu = new CpuBackend();
            using var cpass = cpu.BeginPass();
            using var vpass = Vulkan.BeginPass();
            AttentionResult Run(IForwardPass p) => p.Attention(p.Upload(q, [batch, sq, hidden]), p.Upload(k, [batch, sk, hidden]),
                p.Upload(vv, [batch, sk, hidden]), p.Upload(mask, [batch, sk]), heads, causal, returnProbabilities: true);
            var c = Run(cpass);
            var v = Run(vpass);
            return Close(cpass.Read(c.Context), vpass.Read(v.Context), Tol)
                   && Close(cpass.Read(c.Probabilities!), vpass.Read(v.Probabilities!), Tol);
        });

    [VulkanProperty(MaxTest = 12)]
    public Property Whole_random_model_equals_cpu() =>
        Prop.ForAll(Seed.ToArbitrary(), seed =>
        {
            var rng = new Random(seed);
            bool decoder = rng.Next(3) == 0;
            var config = RandomModels.Config(rng, decoder);
            var architecture = decoder ? ElectraArchitecture.ElectraForCausalLM
                : new[] { ElectraArchitecture.ElectraForPreTraining, ElectraArchitecture.ElectraForMaskedLM,
                          ElectraArchitecture.ElectraForSequenceClassification, ElectraArchitecture.ElectraForTokenClassification }[rng.Next(4)];
            int batch = rng.Next(1, 4), seq = rng.Next(1, 40);
            var ids = Enumerable.Range(0, batch).Select(_ => Enumerable.Range(0, seq).Select(_ => rng.Next(1, config.VocabSize)).ToArray()).ToArray();
            var mask = Enumerable.Range(0, batch).Select(_ =>
            {
                int real = rng.Next(1, seq + 1);
                return Enumerable.Range(0, seq).Select(j => j < real ? 1 : 0).ToArray();
            }).ToArray();
            int weightSeed = rng.Next();

            using var cpu = new CpuBackend();
            var expected = RandomModels.Model(config, architecture, new Random(weightSeed), cpu)
                .Forward(ModelInputs.FromIds(ids, mask), ForwardOptions.Everything);
            var actual = RandomModels.Model(config, architecture, new Random(weightSeed), Vulkan)
                .Forward(ModelInputs.FromIds(ids, mask), ForwardOptions.Everything);
            foreach (var (name, e) in expected.Tensors)
                if (!Close(e.ToArray(), actual.Tensors[name].ToArray(), Tol)) return false;
            return Vulkan.ValidationMessages.IsEmpty;
        });
}
