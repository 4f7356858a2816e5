using Electra.Cpu.Kernels;
using FsCheck.Xunit;

namespace Electra.Tests.Cpu;

/// <summary>
/// <see cref="TilePlanner"/>: every plan covers each output's rows × panels exactly once, and few rows split their
/// columns evenly between the threads (each thread's share of the tiles, as <see cref="WorkerPool"/> hands them out).
/// </summary>
public class TilePlannerTests
{
    static TilePlanner Planned(int rows, int[] panelCounts, int threads, int mr, bool wholeRows = false)
    {
        var plan = new TilePlanner();
        plan.Start(rows);
        foreach (int p in panelCounts) plan.Add(p);
        plan.Plan(threads, mr, Gemm.TileRows, Gemm.TilePanels, wholeRows);
        return plan;
    }

    [Property(MaxTest = 200)]
    public void EveryRowAndPanelOfEveryOutputIsInExactlyOneTile(byte rowsSel, byte countSel, byte p0, byte p1, byte p2, byte threadsSel,
        bool wholeRows, bool wideKernel)
    {
        int rows = 1 + rowsSel * 2, threads = 1 + threadsSel % 4, mr = wideKernel ? 8 : 6;
        int[] panelCounts = new[] { 1 + p0 % 40, 1 + p1 % 40, 1 + p2 % 40 }[..(1 + countSel % 3)];
        var plan = Planned(rows, panelCounts, threads, mr, wholeRows);
        var covered = panelCounts.Select(p => new int[rows, p]).ToArray();
        for (int t = 0; t < plan.TileCount; t++)
        {
            var tile = plan.Locate(t);
            Assert.True(tile.Row0 < tile.Row1 && tile.Panel0 < tile.Panel1, $"tile {t} is empty: {tile}");
            for (int r = tile.Row0; r < tile.Row1; r++)
                for (int p = tile.Panel0; p < tile.Panel1; p++)
                    covered[tile.Output][r, p]++;
        }
        for (int o = 0; o < panelCounts.Length; o++)
            foreach (int count in covered[o])
                Assert.True(count == 1, $"{rows} rows, panels [{string.Join(", ", panelCounts)}], {threads} threads: output {o} has a cell in {count} tiles");
    }

    [Theory]
    // Query, key and value of ELECTRA-small (hidden 256) with 32-float panels (AVX-512), 16-float panels (AVX2), ELECTRA-base's.
    [InlineData(32, new[] { 8, 8, 8 }, 8)]
    [InlineData(1, new[] { 8, 8, 8 }, 8)]
    [InlineData(63, new[] { 8, 8, 8 }, 8)]
    [InlineData(32, new[] { 16, 16, 16 }, 6)]
    [InlineData(32, new[] { 24, 24, 24 }, 8)]
    // The feed-forward projections alone.
    [InlineData(32, new[] { 32 }, 8)]
    [InlineData(32, new[] { 8 }, 8)]
    public void FewRowsGiveEachOfTwoThreadsTheSamePanels(int rows, int[] panelCounts, int mr)
    {
        var plan = Planned(rows, panelCounts, threads: 2, mr);
        Assert.Equal(1, plan.RowTiles);
        int tiles = plan.TileCount;
        int Panels(int from, int to) => Enumerable.Range(from, to - from).Sum(t => plan.Locate(t).Panel1 - plan.Locate(t).Panel0);
        // WorkerPool.Run gives thread i tiles [tiles·i/2, tiles·(i+1)/2).
        Assert.Equal(Panels(0, tiles / 2), Panels(tiles / 2, tiles));
    }
}
