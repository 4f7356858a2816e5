using Electra.Fuzz;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Electra.Tests.Hardening;

/// <summary>
/// The fuzzer's slowdown rule on made-up costs (no clock is read here): linear parsers are never flagged, superlinear
/// ones are once inputs grow, and a single slow measurement that a rerun does not repeat (a stall) is not a finding.
/// </summary>
public sealed class SlowdownDetectorTests
{
    // Seeds that cost a fixed part plus a part per byte, as a linear parser does.
    private static SlowdownDetector Seeded(double fixedMs, double msPerByte, params int[] lengths)
    {
        var detector = new SlowdownDetector(ratio: 10, floorMs: 25, repeats: 5);
        foreach (var n in lengths) detector.AddSeed(n, fixedMs + msPerByte * n);
        return detector;
    }

    [Property(MaxTest = 300)]
    public Property ALinearParserIsNeverFlaggedEvenThreeTimesSlowerThanItsSeeds(PositiveInt fixedSeed, PositiveInt rateSeed,
        PositiveInt[] seedLengths, PositiveInt inputLength, PositiveInt noiseSeed)
    {
        double fixedMs = fixedSeed.Get % 1000 / 10.0, rate = (1 + rateSeed.Get % 1000) / 1e4;
        var lengths = seedLengths.Select(l => 1 + l.Get % 100_000).DefaultIfEmpty(100).ToArray();
        var detector = Seeded(fixedMs, rate, lengths);
        int n = inputLength.Get % 50_000_000;
        double noise = 1 + noiseSeed.Get % 200 / 100.0;   // up to 3x: a busy core, cold caches
        double cost = (fixedMs + rate * n) * noise;
        return (!detector.IsCandidate(n, cost)).Label($"fixed {fixedMs} ms, {rate} ms/byte, seeds [{string.Join(", ", lengths)}], input {n} bytes at {cost:F1} ms");
    }

    [Fact]
    public void AQuadraticParserIsFlaggedOnceInputsGrow()
    {
        // 1 µs per byte², a 1 KB seed: 1 ms. A 100 KB input costs 10 s where the seeds predict 0.1 s.
        var detector = Seeded(0, 0, 1000);
        detector.AddSeed(1000, 1.0);
        double Quadratic(int n) => 1e-6 * n * (double)n;
        Assert.False(detector.IsCandidate(2000, Quadratic(2000)));   // 4 ms: under the floor, and only 2x per byte
        var verdict = detector.Confirm(100_000, () => Quadratic(100_000));
        Assert.NotNull(verdict);
        Assert.True(verdict!.Ratio > 90, verdict.ToString());
    }

    [Fact]
    public void ASlowFirstRunThatARerunDoesNotRepeatIsNotAFinding()
    {
        var detector = Seeded(1, 0.001, 500);
        Assert.True(detector.IsCandidate(600, 400));                  // one run took 400 ms (a stall, a GC)
        var runs = new Queue<double>([380, 2.1, 390]);
        int measured = 0;
        Assert.Null(detector.Confirm(600, () => { measured++; return runs.Dequeue(); }));
        Assert.Equal(2, measured);                                     // the fast rerun settles it
    }

    [Fact]
    public void AConfirmedSlowdownNeedsEveryRerunSlow()
    {
        var detector = Seeded(1, 0.001, 500);
        int measured = 0;
        var verdict = detector.Confirm(600, () => { measured++; return 300 + measured; });
        Assert.Equal(5, measured);
        Assert.Equal(301, verdict!.BestMs);
    }
}
