using Electra.Core.Backend;
using Electra.Core.Tensors;
using Electra.Vulkan;
using Electra.Tests.Reference;

namespace Electra.Tests.Vulkan;

/// <summary>Each Vulkan kernel against its double-precision reference on small odd shapes.</summary>
[Collection("Vulkan")]
public sealed class VulkanOpsTests
{
    private const double Tol = 1e-4;
    private readonly VulkanFixture _fixture;

    public VulkanOpsTests(VulkanFixture fixture) => _fixture = fixture;

    private VulkanBackend Backend => _fixture.Backend;

    [VulkanTheory]
    [InlineData(1, 1, 1, true)]
    [InlineData(37, 53, 29, true)]
    [InlineData(5, 17, 33, false)]
    [InlineData(130, 64, 48, true)]
    public void Linear_matches_reference(int m, int k, int n, bool withBias)
    {
        var rng = new Random(m * 1000 + k * 10 + n);
        var x = TestData.Random(rng, m * k);
        var w = TestData.Random(rng, n * k, 0.5);
        var b = withBias ? TestData.Random(rng, n) : null;
        var weight = Backend.UploadLinear(HostTensor.Create(w, n, k), b == null ? null : HostTensor.Create(b, n));
        using var pass = Backend.BeginPass();
        var y = pass.Read(pass.Linear(pass.Upload(x, [m, k]), weight));
        TestData.Close(ReferenceOps.Linear(x, w, b, m, n, k, Activation.Identity).Y, y, Tol, $"linear {m}x{k}x{n}");
        _fixture.AssertNoValidationMessages();
    }

    [VulkanTheory]
    [InlineData(Activation.Identity)]
    [InlineData(Activation.Gelu)]
    [InlineData(Activation.GeluTanh)]
    [InlineData(Activation.Relu)]
    [InlineData(Activation.Silu)]
    [InlineData(Activation.Tanh)]
    [InlineData(Activation.Sigmoid)]
    [InlineData(Activation.QuickGelu)]
    public void Activations_match_reference_fused_and_alone(Activation act)
    {
        var rng = new Random((int)act);
        // Wide range, including the tails where erf/tanh approximations and exp overflow go wrong.
        var x = TestData.Random(rng, 5 * 301, 12.0);   // more elements than one workgroup
        x[0] = 0; x[1] = 30; x[2] = -30; x[3] = 1e-6f; x[4] = -1e-6f; x[5] = 88; x[6] = -88;
        using var pass = Backend.BeginPass();
        var alone = pass.Read(pass.Activate(pass.Upload(x, [5, 301]), act));
        TestData.Close(x.Select(v => ReferenceOps.Activate(v, act)).ToArray(), alone, 1e-5, $"activate {act}");

        // Fused into Linear with an identity weight: y = act(x·I).
        var identity = new float[301 * 301];
        for (int i = 0; i < 301; i++) identity[i * 301 + i] = 1;
        var weight = Backend.UploadLinear(HostTensor.Create(identity, 301, 301), null);
        var fused = pass.Read(pass.Linear(pass.Upload(x, [5, 301]), weight, act));
        TestData.Close(x.Select(v => ReferenceOps.Activate(v, act)).ToArray(), fused, 1e-5, $"linear+{act}");
        _fixture.AssertNoValidationMessages();
    }

    [VulkanFact]
    public void Add_Gather_Concat_Select_Mean_match_reference()
    {
        var rng = new Random(7);
        using var pass = Backend.BeginPass();
        var a = TestData.Random(rng, 2 * 3 * 517);
        var b = TestData.Random(rng, 2 * 3 * 517);
        var sum = pass.Read(pass.Add(pass.Upload(a, [2, 3, 517]), pass.Upload(b, [2, 3, 517])));
        TestData.Close(a.Zip(b, (p, q) => (double)p + q).ToArray(), sum, 1e-6, "add");

        var table = TestData.Random(rng, 11 * 7);
        int[] ids = [3, 0, 10, 3, 5, 9];
        var gathered = pass.Read(pass.Gather(Backend.UploadWeight(HostTensor.Create(table, 11, 7)), pass.UploadInt(ids, [2, 3])));
        TestData.Close(ids.SelectMany(id => table.Skip(id * 7).Take(7)).Select(v => (double)v).ToArray(), gathered, 0, "gather");

        var first = TestData.Random(rng, 2 * 3 * 4);
        var second = TestData.Random(rng, 2 * 2 * 4);
        var concat = pass.Read(pass.ConcatSequence(pass.Upload(first, [2, 3, 4]), pass.Upload(second, [2, 2, 4])));
        var expectedConcat = new List<double>();
        for (int batch = 0; batch < 2; batch++)
        {
            expectedConcat.AddRange(first.Skip(batch * 12).Take(12).Select(v => (double)v));
            expectedConcat.AddRange(second.Skip(batch * 8).Take(8).Select(v => (double)v));
        }
        TestData.Close(expectedConcat, concat, 0, "concat");

        var x = pass.Upload(first, [2, 3, 4]);
        var selected = pass.Read(pass.SelectPositions(x, pass.UploadInt([2, 0], [2])));
        TestData.Close(first.Skip(8).Take(4).Concat(first.Skip(12).Take(4)).Select(v => (double)v).ToArray(), selected, 0, "select");

        var mean = pass.Read(pass.MeanOverSequence(x));
        var expectedMean = new double[8];
        for (int batch = 0; batch < 2; batch++)
            for (int h = 0; h < 4; h++)
                expectedMean[batch * 4 + h] = Enumerable.Range(0, 3).Average(s => (double)first[(batch * 3 + s) * 4 + h]);
        TestData.Close(expectedMean, mean, 1e-6, "mean");
        _fixture.AssertNoValidationMessages();
    }

    [VulkanTheory]
    [InlineData(1, 1, true)]
    [InlineData(7, 33, true)]
    [InlineData(5, 300, false)]
    [InlineData(3, 1500, true)]   // wider than the one-pass kernel's registers: the two-pass kernel
    public void LayerNorm_with_and_without_residual_matches_reference(int rows, int width, bool residual)
    {
        var rng = new Random(rows + width);
        var x = TestData.Random(rng, rows * width, 3);
        var r = residual ? TestData.Random(rng, rows * width) : null;
        var gamma = TestData.Random(rng, width);
        var beta = TestData.Random(rng, width);
        using var pass = Backend.BeginPass();
        var y = pass.Read(pass.LayerNorm(pass.Upload(x, [rows, width]), r == null ? null : pass.Upload(r, [rows, width]),
            Backend.UploadWeight(HostTensor.Create(gamma, width)), Backend.UploadWeight(HostTensor.Create(beta, width)), 1e-12f));
        TestData.Close(ReferenceOps.LayerNorm(x, r, gamma, beta, width, 1e-12), y, Tol, "layernorm");
        _fixture.AssertNoValidationMessages();
    }

    [VulkanTheory]
    [InlineData(2, 5, 5, 2, 8, false)]
    [InlineData(1, 1, 1, 1, 3, false)]
    [InlineData(2, 3, 7, 4, 12, true)]
    [InlineData(1, 130, 130, 3, 9, true)]
    public void Attention_matches_reference(int batch, int sq, int sk, int heads, int hidden, bool causal)
    {
        var rng = new Random(batch * 7 + sq * 3 + sk);
        var q = TestData.Random(rng, batch * sq * hidden, 2);
        var k = TestData.Random(rng, batch * sk * hidden, 2);
        var v = TestData.Random(rng, batch * sk * hidden);
        var mask = Enumerable.Range(0, batch * sk).Select(i => i % sk < sk - i / sk ? 1f : 0f).ToArray();   // padding at the end
        using var pass = Backend.BeginPass();
        var result = pass.Attention(pass.Upload(q, [batch, sq, hidden]), pass.Upload(k, [batch, sk, hidden]),
            pass.Upload(v, [batch, sk, hidden]), pass.Upload(mask, [batch, sk]), heads, causal, returnProbabilities: true);
        var (context, probs) = ReferenceOps.Attention(q, k, v, mask, batch, sq, sk, heads, hidden, causal);
        TestData.Close(probs, pass.Read(result.Probabilities!), Tol, "probabilities");
        TestData.Close(context, pass.Read(result.Context), Tol, "context");
        _fixture.AssertNoValidationMessages();
    }

    [VulkanFact]
    public void Fully_masked_rows_attend_uniformly_as_transformers_does()
    {
        using var pass = Backend.BeginPass();
        var q = TestData.Random(new Random(1), 4 * 2);
        var v = Enumerable.Range(0, 4 * 2).Select(i => (float)i).ToArray();
        var result = pass.Attention(pass.Upload(q, [1, 4, 2]), pass.Upload(q, [1, 4, 2]), pass.Upload(v, [1, 4, 2]),
            pass.Upload(new float[4], [1, 4]), heads: 1, causal: false, returnProbabilities: true);
        Assert.All(pass.Read(result.Probabilities!), p => Assert.Equal(0.25f, p, 1e-6f));
    }
}

/// <summary>A theory that is skipped when no Vulkan driver is installed.</summary>
public sealed class VulkanTheoryAttribute : TheoryAttribute
{
    public VulkanTheoryAttribute()
    {
        if (VulkanAvailability.SkipReason is string reason) Skip = reason;
    }
}
