using Electra.Cpu.Kernels;
using FsCheck.Xunit;

namespace Electra.Tests.Cpu;

public class WorkerPoolTests
{
    sealed class CountingJob(int tiles) : TileJob
    {
        public readonly int[] Hits = new int[tiles];
        public override void RunTile(int tile) => Interlocked.Increment(ref Hits[tile]);
    }

    sealed class FailingJob : TileJob
    {
        public override void RunTile(int tile)
        {
            if (tile == 3) throw new InvalidOperationException("tile 3 broke");
        }
    }

    [Property(MaxTest = 50)]
    public bool EveryTileRunsExactlyOnce(byte threads, ushort tiles)
    {
        using var pool = new WorkerPool(1 + threads % 4);
        int count = tiles % 500;
        var job = new CountingJob(count);
        pool.Run(job, count);
        return job.Hits.All(h => h == 1);
    }

    [Fact]
    public async Task AJobPublishedBeforeTheWorkersStartStillCompletes()
    {
        // Regression: a worker thread that started after the first Run read the new generation as "seen" and never
        // joined that job, so Run waited forever. Fresh pools used at once hit that window often.
        for (int i = 0; i < 300; i++)
        {
            using var pool = new WorkerPool(4);
            var job = new CountingJob(16);
            var run = Task.Run(() => pool.Run(job, 16));
            try
            {
                await run.WaitAsync(TimeSpan.FromSeconds(30));
            }
            catch (TimeoutException)
            {
                Assert.Fail($"pool {i}: the first job never finished");
            }
            Assert.All(job.Hits, h => Assert.Equal(1, h));
        }
    }

    [Fact]
    public void ManyBackToBackJobsAllComplete()
    {
        using var pool = new WorkerPool(2);
        for (int round = 0; round < 2000; round++)
        {
            var job = new CountingJob(5);
            pool.Run(job, 5);
            Assert.All(job.Hits, h => Assert.Equal(1, h));
            if (round % 500 == 0) Thread.Sleep(2); // let workers fall asleep and be woken again
        }
    }

    [Fact]
    public void TileFailureSurfacesAsException()
    {
        using var pool = new WorkerPool(2);
        Assert.ThrowsAny<Exception>(() => pool.Run(new FailingJob(), 8));
        var job = new CountingJob(8);
        pool.Run(job, 8); // the pool stays usable
        Assert.All(job.Hits, h => Assert.Equal(1, h));
    }
}
