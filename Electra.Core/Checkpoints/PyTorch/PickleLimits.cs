namespace Electra.Core.Checkpoints.PyTorch;

/// <summary>
/// Hard limits that keep a hostile <c>pytorch_model.bin</c> from exhausting memory or time while it is read.
/// The defaults are far above what any real state dict needs (a state dict pickle uses about 8 memo entries,
/// 2 stack slots and 3 nesting levels per tensor).
/// </summary>
/// <param name="MaxPickleBytes">Largest <c>data.pkl</c> accepted.</param>
/// <param name="MaxMemoEntries">Most memo entries (BINPUT, LONG_BINPUT, MEMOIZE) one pickle may create.</param>
/// <param name="MaxStackDepth">Most values on the pickle stack at once.</param>
/// <param name="MaxMarkDepth">Most open MARKs at once.</param>
/// <param name="MaxNesting">Deepest nesting of tuples, lists and dicts inside one another.</param>
/// <param name="MaxStringBytes">Longest string or bytes value.</param>
/// <param name="MaxStorageBytes">Largest single storage (tensor data entry) accepted.</param>
public sealed record PickleLimits(
    long MaxPickleBytes = 256L << 20,
    int MaxMemoEntries = 4_000_000,
    int MaxStackDepth = 4_000_000,
    int MaxMarkDepth = 64,
    int MaxNesting = 64,
    int MaxStringBytes = 16 << 20,
    long MaxStorageBytes = 16L << 30)
{
    /// <summary>The limits used when none are given.</summary>
    public static PickleLimits Default { get; } = new();
}
