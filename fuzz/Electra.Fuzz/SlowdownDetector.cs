namespace Electra.Fuzz;

/// <summary>What a confirmed slow input cost against what the seeds predict for its length.</summary>
public sealed record Slowdown(int Length, double BestMs, double ExpectedMs)
{
    public double Ratio => BestMs / ExpectedMs;

    public override string ToString() =>
        $"{Length} bytes took {BestMs:F1} ms of CPU (least of the repeats), {Ratio:F0} times the {ExpectedMs:F2} ms the seeds' cost per byte predicts";
}

/// <summary>
/// Flags an input whose cost per byte is far above the seeds' (a superlinear path: colliding hashes, quadratic
/// scans, nested loops over a length from the file), not only one running past the hang limit.
/// </summary>
/// <remarks>
/// The seeds' cost is measured after a warm-up run (the JIT) as the least of several runs; an input's expected cost is
/// the larger of the costliest seed and its length times the seeds' highest cost per byte, so a linear parser never
/// crosses <c>ratio</c> times it. A candidate is confirmed by running it again <c>repeats</c> times and taking the least
/// CPU time: a scheduler stall, a GC or a busy machine only ever adds time, so the least run is the input's own cost.
/// Costs under <c>floorMs</c> are never findings (the clock's and the runtime's noise live there).
/// </remarks>
public sealed class SlowdownDetector(double ratio = 10, double floorMs = 25, int repeats = 5)
{
    private double _seedMs;
    private double _seedMsPerByte;

    public double Ratio => ratio;

    /// <summary>Records a seed's cost (least of several runs after a warm-up).</summary>
    public void AddSeed(int length, double bestMs)
    {
        _seedMs = Math.Max(_seedMs, bestMs);
        _seedMsPerByte = Math.Max(_seedMsPerByte, bestMs / Math.Max(length, 1));
    }

    /// <summary>What the seeds predict an input of <paramref name="length"/> bytes costs.</summary>
    public double ExpectedMs(int length) => Math.Max(_seedMs, _seedMsPerByte * length);

    /// <summary>Whether one measured run is worth confirming.</summary>
    public bool IsCandidate(int length, double ms) => ms > floorMs && ms > ratio * ExpectedMs(length);

    /// <summary>
    /// Runs <paramref name="measure"/> (one execution of the input, returning its CPU milliseconds) up to
    /// <c>repeats</c> times; a finding only when even the least run is far above the prediction. Stops early once a run
    /// is fast enough to clear the input.
    /// </summary>
    public Slowdown? Confirm(int length, Func<double> measure)
    {
        double best = double.MaxValue;
        for (int i = 0; i < repeats; i++)
        {
            best = Math.Min(best, measure());
            if (!IsCandidate(length, best)) return null;
        }
        return new Slowdown(length, best, ExpectedMs(length));
    }
}
