using Electra.Core.Backend;
using Electra.Core.Errors;
using Electra.Core.Tensors;
using Electra.Vulkan;
using Electra.Vulkan.Memory;
using Electra.Vulkan.Kernels;
using Electra.Vulkan.Recording;
using Electra.Tests.Reference;

namespace Electra.Tests.Vulkan;

/// <summary>Residency, submission, resource, threading, splitting and error behaviour of the Vulkan backend.</summary>
[Collection("Vulkan")]
public sealed class VulkanBackendTests
{
    private readonly VulkanFixture _fixture;

    public VulkanBackendTests(VulkanFixture fixture) => _fixture = fixture;

    private static VulkanBackend NewBackend(VulkanOptions? options = null) =>
        VulkanBackend.Create((options ?? new VulkanOptions()) with { EnableValidation = true, PipelineCacheDirectory = VulkanFixture.TestCacheDirectory });

    /// <summary>A two-layer attention block recorded as one pass: returns (pass submissions, output).</summary>
    private static (int Submissions, float[] Output, float[] Probs) RunBlock(VulkanBackend backend, int seed, bool readProbsToo = true)
    {
        var rng = new Random(seed);
        const int batch = 2, seq = 9, hidden = 12, heads = 3;
        var w = backend.UploadLinear(HostTensor.Create(TestData.Random(rng, hidden * hidden), hidden, hidden), HostTensor.Create(TestData.Random(rng, hidden), hidden));
        var gamma = backend.UploadWeight(HostTensor.Create(TestData.Random(rng, hidden), hidden));
        var beta = backend.UploadWeight(HostTensor.Create(TestData.Random(rng, hidden), hidden));
        var x0 = TestData.Random(rng, batch * seq * hidden);
        var mask = Enumerable.Range(0, batch * seq).Select(i => i % seq < 7 ? 1f : 0f).ToArray();
        using var pass = (VulkanForwardPass)backend.BeginPass();
        var x = pass.Upload(x0, [batch, seq, hidden]);
        var m = pass.Upload(mask, [batch, seq]);
        DeviceTensor? probs = null;
        for (int layer = 0; layer < 2; layer++)
        {
            var q = pass.Linear(x, w, Activation.Gelu);
            var att = pass.Attention(q, q, q, m, heads, causal: false, returnProbabilities: layer == 0);
            probs ??= att.Probabilities;
            pass.Release(q);
            var y = pass.LayerNorm(att.Context, x, gamma, beta, 1e-5f);
            pass.Release(att.Context);
            if (layer > 0) pass.Release(x);
            x = y;
        }
        var output = pass.Read(x);
        var p = readProbsToo ? pass.Read(probs!) : [];
        return (pass.Submissions, output, p);
    }

    [VulkanFact]
    public void A_whole_forward_is_one_submission_and_later_reads_add_none()
    {
        var (submissions, _, _) = RunBlock(_fixture.Backend, 1);
        Assert.Equal(1, submissions);
        _fixture.AssertNoValidationMessages();
    }

    [VulkanFact]
    public void Staged_reads_for_discrete_gpus_give_the_same_answers()
    {
        var direct = RunBlock(_fixture.Backend, 2);
        _fixture.Backend.ForceStagedReads = true;
        try
        {
            var staged = RunBlock(_fixture.Backend, 2);
            Assert.Equal(direct.Output, staged.Output);
            Assert.Equal(direct.Probs, staged.Probs);
            Assert.Equal(1, staged.Submissions);   // the first read copies every live result in the forward's submission
        }
        finally
        {
            _fixture.Backend.ForceStagedReads = false;
        }
        _fixture.AssertNoValidationMessages();
    }

    [VulkanFact]
    public void Every_vulkan_object_is_released_and_passes_reuse_memory()
    {
        var backend = NewBackend();
        RunBlock(backend, 3);
        long afterFirst = backend.LiveObjects;
        long pooled = backend.Pool.AllocatedBytes;
        var before = backend.Counters;
        for (int i = 0; i < 3; i++) RunBlock(backend, 3);
        // Weights (uploaded per RunBlock) and activations are ranges of the arenas' blocks: no new memory, and each
        // pass creates only its command pool and fence, destroyed with it.
        Assert.Equal(pooled, backend.Pool.AllocatedBytes);
        Assert.Equal(afterFirst, backend.LiveObjects);
        Assert.Equal(0, (backend.Counters - before).MemoryAllocations);
        backend.Dispose();
        Assert.Equal(0, backend.LiveObjects);
        Assert.Empty(backend.ValidationMessages);   // the layer also reports objects left alive at vkDestroyDevice
    }

    [VulkanFact]
    public void Passes_on_several_threads_give_the_single_threaded_answer()
    {
        var expected = RunBlock(_fixture.Backend, 4).Output;
        var results = new float[6][];
        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = 3 },
            i => results[i] = RunBlock(_fixture.Backend, 4).Output);
        Assert.All(results, r => Assert.Equal(expected, r));
        _fixture.AssertNoValidationMessages();
    }

    [VulkanFact]
    public void Weights_larger_than_one_binding_are_split_and_still_exact()
    {
        using var backend = NewBackend(new VulkanOptions { MaxStorageBufferBytes = 1024 });
        var rng = new Random(5);
        var table = TestData.Random(rng, 50 * 7);   // 28-byte rows → 36 rows per buffer → 2 buffers
        var w = TestData.Random(rng, 100 * 5);      // 20-byte rows → 51 rows per buffer → 2 buffers
        var b = TestData.Random(rng, 100);
        var x = TestData.Random(rng, 2 * 5);
        int[] ids = [0, 35, 36, 49, 12, 40];
        var tableWeight = backend.UploadWeight(HostTensor.Create(table, 50, 7));
        var linear = backend.UploadLinear(HostTensor.Create(w, 100, 5), HostTensor.Create(b, 100));
        using var pass = backend.BeginPass();
        var gathered = pass.Read(pass.Gather(tableWeight, pass.UploadInt(ids, [6])));
        TestData.Close(ids.SelectMany(id => table.Skip(id * 7).Take(7)).Select(v => (double)v).ToArray(), gathered, 0, "split gather");
        var y = pass.Read(pass.Linear(pass.Upload(x, [2, 5]), linear, Activation.Relu));
        TestData.Close(ReferenceOps.Linear(x, w, b, 2, 100, 5, Activation.Relu).Y, y, 1e-5, "split linear");
        Assert.Equal(table.Select(v => v).ToArray(), pass.Read(tableWeight));
        var tooBig = Assert.Throws<BackendException>(() => pass.Upload(new float[300], [300]));
        Assert.Contains("1024", tooBig.Message);
        Assert.Empty(backend.ValidationMessages);
    }

    [VulkanFact]
    public void Float16_weights_stay_within_the_stated_tolerance()
    {
        using var backend = NewBackend(new VulkanOptions { UseFloat16Weights = true });
        Assert.Equal(backend.Device.Supports16BitStorage, backend.UsesFloat16Weights);
        var rng = new Random(6);
        const int m = 7, k = 129, n = 33;
        var x = TestData.Random(rng, m * k);
        var w = TestData.Random(rng, n * k, 0.3);
        var b = TestData.Random(rng, n);
        var linear = backend.UploadLinear(HostTensor.Create(w, n, k), HostTensor.Create(b, n));
        using var pass = backend.BeginPass();
        var y = pass.Read(pass.Linear(pass.Upload(x, [m, k]), linear));
        var exact = ReferenceOps.Linear(x, w, b, m, n, k, Activation.Identity).Y;
        // float16 keeps 11 significant bits: 2^-11 relative per weight, accumulated in float32.
        TestData.Close(exact, y, 2e-3, "float16 linear");
        var rounded = w.Select(v => (float)(Half)v).ToArray();
        TestData.Close(ReferenceOps.Linear(x, rounded, b, m, n, k, Activation.Identity).Y, y, 1e-5, "float16 linear vs rounded weights");
        Assert.Empty(backend.ValidationMessages);
    }

    [VulkanFact]
    public void The_validation_log_catches_invalid_usage()
    {
        using var backend = NewBackend();
        var kernel = backend.Kernels.Get(backend.Catalog.Add);
        using var recorder = new CommandRecorder(backend.Context);
        // A push-constant block larger than the pipeline layout declares is invalid (VUID-vkCmdPushConstants-*).
        recorder.Dispatch(kernel, [backend.Placeholder, backend.Placeholder, backend.Placeholder], new PushConstants.Gather(0, 0, 0, 0), 1);
        Assert.Contains(backend.ValidationMessages, m => m.Contains("vkCmdPushConstants", StringComparison.Ordinal));
    }

    [VulkanFact]
    public void Bad_inputs_raise_typed_errors_that_name_the_problem()
    {
        var backend = _fixture.Backend;
        var table = backend.UploadWeight(HostTensor.Create(new float[10 * 3], 10, 3));
        var linear = backend.UploadLinear(HostTensor.Create(new float[4 * 3], 4, 3), null);
        using var pass = backend.BeginPass();
        var e = Assert.Throws<InputException>(() => pass.Gather(table, pass.UploadInt([1, 10], [2])));
        Assert.Contains("id 10 at position 1", e.Message);
        e = Assert.Throws<InputException>(() => pass.Linear(pass.Upload(new float[5], [1, 5]), linear));
        Assert.Contains("must end in 3", e.Message);
        e = Assert.Throws<InputException>(() => pass.Upload(new float[5], [2, 3]));
        Assert.Contains("holds 6 values, data has 5", e.Message);
        var x = pass.Upload(new float[6], [2, 3]);
        e = Assert.Throws<InputException>(() => pass.SelectPositions(pass.Reshape(x, [1, 2, 3]), pass.UploadInt([2], [1])));
        Assert.Contains("position 2", e.Message);
        e = Assert.Throws<InputException>(() => pass.Attention(x, x, x, pass.Upload(new float[2], [1, 2]), 2, false, false));
        Assert.Contains("must be [batch, seq, hidden]", e.Message);
        var q = pass.Upload(new float[2 * 3 * 4], [2, 3, 4]);
        e = Assert.Throws<InputException>(() => pass.Attention(q, q, q, pass.Upload(new float[6], [2, 3]), 3, false, false));
        Assert.Contains("not divisible by 3 heads", e.Message);
        e = Assert.Throws<InputException>(() => pass.Read(pass.UploadInt([1], [1])));
        Assert.Contains("int32", e.Message);
        pass.Release(x);
        e = Assert.Throws<InputException>(() => pass.Activate(x, Activation.Relu));
        Assert.Contains("released", e.Message);
        using var other = backend.BeginPass();
        var foreign = other.Upload(new float[6], [2, 3]);
        e = Assert.Throws<InputException>(() => pass.Add(foreign, foreign));
        Assert.Contains("not created by this Vulkan pass", e.Message);
        _fixture.AssertNoValidationMessages();
    }

    [VulkanFact]
    public void Unknown_devices_are_reported_with_the_available_ones()
    {
        var e = Assert.Throws<VulkanUnavailableException>(() => VulkanBackend.Create(new VulkanOptions { DeviceIndex = 99 }));
        Assert.Contains("index 99", e.Message);
        Assert.Contains("available: 0:", e.Message);
        e = Assert.Throws<VulkanUnavailableException>(() => VulkanBackend.Create(new VulkanOptions { DeviceNameContains = "no such gpu" }));
        Assert.Contains("'no such gpu'", e.Message);
    }

    [VulkanFact]
    public void Devices_are_listed_with_their_capabilities()
    {
        var devices = VulkanDevices.List();
        Assert.NotEmpty(devices);
        Assert.Equal(Enumerable.Range(0, devices.Length), devices.Select(d => d.Index));
        Assert.All(devices, d =>
        {
            Assert.False(string.IsNullOrWhiteSpace(d.Name));
            Assert.True(d.SubgroupSize >= 1);
            Assert.True(d.MaxStorageBufferRange > 0 && d.MaxComputeSharedMemoryBytes >= 16384);   // Vulkan guarantees 16 KiB
        });
        Assert.Equal(VulkanDevices.Preferred(VulkanOptions.Default).Name, _fixture.Backend.Device.Name);
    }
}
