using Electra.Cpu;
using Electra.Models;
using Electra.Tests.Support;

namespace Electra.Tests.Allocation;

/// <summary>
/// Bytes allocated by a warmed-up <see cref="ForwardSession"/> forward on the CPU backend, counted over every thread
/// of the process (the backend's workers included). A measurement of bytes, not of time; the collection runs alone so
/// that other tests' allocations do not count.
/// </summary>
[Collection(nameof(AllocationCollection))]
public class SessionAllocationTests
{
    public static TheoryData<string, bool> Cases()
    {
        var data = new TheoryData<string, bool>();
        foreach (var name in SessionInputs.FixtureNames())
        {
            data.Add(name, false);
            if (SessionInputs.HasPadding(FixtureCase.Load(name).Inputs())) data.Add(name, true);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void WarmSessionForwardAllocatesNothing(string caseName, bool realTokensOnly)
    {
        var fixture = FixtureCase.Load(caseName);
        using var backend = new CpuBackend(new CpuBackendOptions(Threads: 2));
        var model = ElectraPretrained.Load(fixture.Folder, backend);
        // Losses are outside the hot path (they build their own arrays); the head outputs are what a session reuses.
        var inputs = Packed.PackedOutputs.WithoutLabels(fixture.Inputs());
        var options = realTokensOnly ? ForwardOptions.RealTokensOnly : ForwardOptions.Default;
        using var session = model.CreateSession();
        for (int i = 0; i < 3; i++) session.Forward(inputs, options);

        Assert.Equal(0, LeastAllocatedPerForward(() => session.Forward(inputs, options)));
    }

    [Fact]
    public void SessionForwardOnTheFullSizeModelAllocatesNothing()
    {
        var folder = SharedData.CaseFolder("models/electra-small-random");
        using var backend = new CpuBackend(new CpuBackendOptions(Threads: 2));
        var model = ElectraPretrained.Load(folder, backend);
        var inputs = Packed.PackedOutputs.WithoutLabels(FixtureCase.Load("models/electra-small-random").Inputs());
        using var session = model.CreateSession();
        foreach (var options in new[] { ForwardOptions.Default, ForwardOptions.RealTokensOnly })
        {
            session.Forward(inputs, options);
            session.Forward(inputs, options);
            Action forward = () => session.Forward(inputs, options);
            long before = GC.GetAllocatedBytesForCurrentThread();
            long least = LeastAllocatedPerForward(forward);
            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
            // A forward of this model takes long enough (~0.1 s) for the test host's own periodic allocations on its
            // threads (about 170 bytes per 0.1 s, idle or not) to land in every trial; more would be the forward's.
            Assert.True(least < 1024, $"a warm forward allocated {least} bytes over all threads");
        }
    }

    /// <summary>
    /// The fewest bytes any of <paramref name="trials"/> forwards allocated, over every thread: the runtime and the test
    /// runner allocate now and then on threads of their own (background compilation, result reporting), which is not
    /// the forward's doing; a forward that allocates does so every time.
    /// </summary>
    private static long LeastAllocatedPerForward(Action forward, int trials = 5)
    {
        long least = long.MaxValue;
        for (int i = 0; i < trials; i++)
        {
            long before = GC.GetTotalAllocatedBytes(precise: true);
            forward();
            least = Math.Min(least, GC.GetTotalAllocatedBytes(precise: true) - before);
        }
        return least;
    }
}

/// <summary>Tests that count the bytes every thread allocates: they run after the parallel tests, alone.</summary>
[CollectionDefinition(nameof(AllocationCollection), DisableParallelization = true)]
public sealed class AllocationCollection;
