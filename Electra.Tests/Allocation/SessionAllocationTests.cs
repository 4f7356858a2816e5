using Electra.Cpu;
using Electra.Models;
using Electra.Tests.Support;

namespace Electra.Tests.Allocation;

/// <summary>
/// Bytes allocated by a warmed-up <see cref="ForwardSession"/> forward on the CPU backend. The backend runs with one
/// thread, so every tile of every kernel runs on the calling thread and its allocations are counted exactly by
/// <see cref="GC.GetAllocatedBytesForCurrentThread"/>. Counting over all threads of the process instead caught the
/// test host's own periodic allocations whenever a forward took long (a busy machine): 1,176 bytes in one CI run.
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
        using var backend = new CpuBackend(new CpuBackendOptions(Threads: 1));
        var model = ElectraPretrained.Load(fixture.Folder, backend);
        // Losses are outside the hot path (they build their own arrays); the head outputs are what a session reuses.
        var inputs = Packed.PackedOutputs.WithoutLabels(fixture.Inputs());
        var options = realTokensOnly ? ForwardOptions.RealTokensOnly : ForwardOptions.Default;
        using var session = model.CreateSession();
        for (int i = 0; i < 3; i++) session.Forward(inputs, options);

        Assert.Equal(0, AllocatedBy(() => session.Forward(inputs, options)));
    }

    [Fact]
    public void SessionForwardOnTheFullSizeModelAllocatesNothing()
    {
        var folder = SharedData.CaseFolder("models/electra-small-random");
        using var backend = new CpuBackend(new CpuBackendOptions(Threads: 1));
        var model = ElectraPretrained.Load(folder, backend);
        var inputs = Packed.PackedOutputs.WithoutLabels(FixtureCase.Load("models/electra-small-random").Inputs());
        using var session = model.CreateSession();
        foreach (var options in new[] { ForwardOptions.Default, ForwardOptions.RealTokensOnly })
        {
            session.Forward(inputs, options);
            session.Forward(inputs, options);
            Assert.Equal(0, AllocatedBy(() => session.Forward(inputs, options)));
        }
    }

    /// <summary>
    /// The fewest bytes any of five runs of <paramref name="forward"/> allocates on this thread (with one backend
    /// thread: all it allocates). The runtime allocates once now and then on the calling thread itself (a method
    /// moving to its optimised tier: 32 bytes in some cases); a forward that allocates does so every time.
    /// </summary>
    private static long AllocatedBy(Action forward)
    {
        long least = long.MaxValue;
        for (int i = 0; i < 5; i++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            forward();
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return least;
    }
}

/// <summary>Tests that count the bytes every thread allocates: they run after the parallel tests, alone.</summary>
[CollectionDefinition(nameof(AllocationCollection), DisableParallelization = true)]
public sealed class AllocationCollection;
