namespace Electra.Cpu.Kernels;

/// <summary>
/// Work split into independent tiles that <see cref="WorkerPool"/> hands out to threads. Implementations are
/// reusable objects whose fields are set before each run, so a forward pass allocates nothing per operation.
/// </summary>
public abstract class TileJob
{
    /// <summary>Computes tile <paramref name="tile"/>; tiles must not write to overlapping memory.</summary>
    public abstract void RunTile(int tile);
}
