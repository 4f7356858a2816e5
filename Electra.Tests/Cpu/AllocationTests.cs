using Electra.Core.Backend;
using Electra.Core.Tensors;
using Electra.Cpu;

namespace Electra.Tests.Cpu;

/// <summary>A warmed-up pass takes its activations (arrays and tensor objects) from the pool instead of allocating them again.</summary>
public class AllocationTests
{
    static void Layer(CpuBackend backend, LinearWeight up, LinearWeight down, DeviceTensor gamma, DeviceTensor beta,
        float[] input, float[] mask)
    {
        using var pass = backend.BeginPass();
        var x = pass.Upload(input, [2, 64, 128]);
        var m = pass.Upload(mask, [2, 64]);
        var attention = pass.Attention(x, x, x, m, heads: 4, causal: false, returnProbabilities: false);
        var h = pass.Linear(attention.Context, up, Activation.Gelu);
        var y = pass.Linear(h, down);
        pass.Release(h);
        var z = pass.LayerNorm(y, x, gamma, beta, 1e-12f);
        pass.Release(y);
        pass.Release(z);
    }

    [Fact]
    public void SecondPassAllocatesAlmostNothing()
    {
        using var backend = new CpuBackend(new CpuBackendOptions(Threads: 2));
        var rng = new Random(1);
        float[] Rand(int n) => Enumerable.Range(0, n).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        var up = backend.UploadLinear(HostTensor.Create(Rand(512 * 128), 512, 128), HostTensor.Create(Rand(512), 512));
        var down = backend.UploadLinear(HostTensor.Create(Rand(128 * 512), 128, 512), HostTensor.Create(Rand(128), 128));
        var gamma = backend.UploadWeight(HostTensor.Create(Rand(128), 128));
        var beta = backend.UploadWeight(HostTensor.Create(Rand(128), 128));
        var input = Rand(2 * 64 * 128);
        var mask = Enumerable.Repeat(1f, 128).ToArray();

        Layer(backend, up, down, gamma, beta, input, mask);
        Layer(backend, up, down, gamma, beta, input, mask);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Layer(backend, up, down, gamma, beta, input, mask);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // The activations of this pass are ~700 KB, and their tensor objects and shapes come back from the pool too;
        // what remains is the pass itself and its list of owned tensors.
        Assert.True(allocated < 1024, $"a warmed-up pass allocated {allocated} bytes");
    }
}
