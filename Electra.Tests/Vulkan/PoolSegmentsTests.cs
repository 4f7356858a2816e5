using System.Collections.Immutable;
using Electra.Core.Backend;
using Electra.Core.Errors;
using Electra.Cpu;
using Electra.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Electra.Tests.Vulkan;

/// <summary>
/// IForwardPass.PoolSegments on each backend against the host definition (SegmentPoolingReference) on random packed
/// batches: empty segments, rows of weight 0, position weights; and its argument checks.
/// </summary>
[Collection("Vulkan")]
public sealed class PoolSegmentsTests(VulkanFixture fixture)
{
    private static (float[] X, float[] Weights, ImmutableArray<int> Starts, int Width) Batch(int seed)
    {
        var random = new Random(seed);
        int segments = random.Next(0, 6), width = random.Next(1, 40);
        var starts = new int[segments + 1];
        for (int s = 1; s <= segments; s++) starts[s] = starts[s - 1] + random.Next(0, 9);
        int rows = starts[^1];
        var x = Enumerable.Range(0, rows * width).Select(_ => (float)(random.NextDouble() * 8 - 4)).ToArray();
        var weights = Enumerable.Range(0, rows).Select(_ => random.Next(4) switch { 0 => 0f, 1 => random.Next(1, 9), _ => 1f }).ToArray();
        return (x, weights, [.. starts], width);
    }

    private static float[] Pool(IBackend backend, float[] x, float[] weights, ImmutableArray<int> starts, int width, SegmentPooling pooling,
        bool halfInput = false)
    {
        using var pass = backend.BeginPass();
        var xs = halfInput
            ? ((Electra.Vulkan.VulkanForwardPass)pass).UploadActivation(x, [weights.Length, width])
            : pass.Upload(x, [weights.Length, width]);
        var ws = pass.Upload(weights, [weights.Length]);
        return pass.Read(pass.PoolSegments(xs, ws, starts, pooling));
    }

    private static Property Matches(IBackend backend, PositiveInt seed, SegmentPooling pooling, double tolerance, bool halfInput = false)
    {
        var (x, weights, starts, width) = Batch(seed.Get);
        var expected = new float[(starts.Length - 1) * width];
        // float16 activations: the reference pools the same rounded rows; the sums and the pooled rows are float32.
        SegmentPoolingReference.Pool(halfInput ? x.Select(v => (float)(Half)v).ToArray() : x, weights, width, starts, pooling, expected);
        var actual = Pool(backend, x, weights, starts, width, pooling, halfInput);
        int bad = Enumerable.Range(0, expected.Length).FirstOrDefault(i => Math.Abs(expected[i] - actual[i]) > tolerance * (1 + Math.Abs(expected[i])), -1);
        return (actual.Length == expected.Length && bad < 0)
            .Label($"{pooling}, starts [{string.Join(", ", starts)}], width {width}: first difference at {bad}");
    }

    [Property(MaxTest = 60)]
    public Property CpuEqualsTheReferenceBitForBit(PositiveInt seed, SegmentPooling pooling)
    {
        using var backend = new CpuBackend();
        return Matches(backend, seed, pooling, 0);
    }

    [VulkanProperty(MaxTest = 15)]
    public Property VulkanMatchesTheReferenceOnFloat16Activations(PositiveInt seed, SegmentPooling pooling)
    {
        var backend = fixture.Float16Backend;
        if (backend.ActivationPrecision != Electra.Vulkan.ActivationPrecision.Float16) return true.ToProperty();
        var result = Matches(backend, seed, pooling, 1e-5, halfInput: true);
        Assert.Empty(backend.ValidationMessages);
        return result;
    }

    [VulkanProperty(MaxTest = 60)]
    public Property VulkanMatchesTheReference(PositiveInt seed, SegmentPooling pooling)
    {
        var result = Matches(fixture.Backend, seed, pooling, 1e-5);
        fixture.AssertNoValidationMessages();
        return result;
    }

    [Property(MaxTest = 60)]
    public Property TheDefaultImplementationReadsBackAndPoolsOnTheHost(PositiveInt seed, SegmentPooling pooling)
    {
        using var backend = new HostPoolingBackend(new CpuBackend());
        return Matches(backend, seed, pooling, 0);
    }

    [Fact]
    public void BadArgumentsAreInputErrors()
    {
        using var backend = new CpuBackend();
        using var pass = backend.BeginPass();
        var x = pass.Upload(new float[12], [4, 3]);
        var w = pass.Upload(new float[4], [4]);
        Assert.Contains("end at T = 4", Assert.Throws<InputException>(() => pass.PoolSegments(x, w, [0, 3], SegmentPooling.Mean)).Message);
        Assert.Contains("below the previous", Assert.Throws<InputException>(() => pass.PoolSegments(x, w, [0, 3, 2, 4], SegmentPooling.Mean)).Message);
        Assert.Contains("weights must be", Assert.Throws<InputException>(() => pass.PoolSegments(x, x, [0, 4], SegmentPooling.Mean)).Message);
        Assert.Contains("[T, H]", Assert.Throws<InputException>(() => pass.PoolSegments(w, w, [0, 4], SegmentPooling.Mean)).Message);
    }

    /// <summary>A backend whose passes pool as the interface's default implementation does.</summary>
    private sealed class HostPoolingBackend(IBackend inner) : DelegatingBackend(inner)
    {
        public override IForwardPass BeginPass() => new Pass(this, Inner.BeginPass());

        private sealed class Pass(IBackend owner, IForwardPass pass) : DelegatingForwardPass(owner, pass)
        {
            public override DeviceTensor PoolSegments(DeviceTensor x, DeviceTensor weights, ImmutableArray<int> segmentStarts,
                SegmentPooling pooling) => SegmentPoolingReference.PoolOnHost(Inner, x, weights, segmentStarts, pooling);
        }
    }
}
