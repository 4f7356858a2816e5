using Electra.Core.Checkpoints.PyTorch;
using Electra.Core.Errors;
using Electra.Tests.Checkpoints;

namespace Electra.Tests.Hardening;

/// <summary>
/// The pickle rows: keys chosen to collide in the dict index (quadratic), and nesting built by appending to
/// the innermost of a chain of memoized lists (passed the depth check, which looked only at the list appended to).
/// </summary>
public sealed class HostilePickleShapeTests
{
    private static T Refuse<T>(byte[] pickle) where T : Exception
    {
        using var dir = new TempFolder();
        var path = dir.File("pytorch_model.bin", TorchBinWriter.ArchiveWithPickle(pickle, []));
        var e = Assert.Throws<T>(() => PyTorchBinCheckpoint.Open(path, PickleLimits.Default).Dispose());
        Assert.Contains(path, e.Message);
        return e;
    }

    private static long Colliding(long k) => (k << 32) | k;

    [Fact]
    public void KeysThatCollideAsBoxedLongsHashApart()
    {
        // long.GetHashCode is (int)v ^ (int)(v >> 32): every (k << 32) | k hashes to 0.
        Assert.All(Enumerable.Range(1, 100), k => Assert.Equal(0, Colliding(k).GetHashCode()));
        var hashes = new HashSet<int>();
        for (long k = 1; k <= 40_000; k++) hashes.Add(PickleKeyComparer.Instance.GetHashCode((object)Colliding(k)));
        // A seeded 32-bit hash of 40,000 distinct keys: a handful of birthday collisions at most.
        Assert.True(hashes.Count > 39_900, $"{hashes.Count} distinct hashes of 40,000 keys");
        hashes.Clear();
        for (long k = 1; k <= 40_000; k++) hashes.Add(PickleKeyComparer.Instance.GetHashCode(Colliding(k)));
        Assert.True(hashes.Count > 39_900, $"memo: {hashes.Count} distinct hashes of 40,000 indices");
    }

    [Fact]
    public void ADictOf40000CollidingKeysIsReadAndItsKeysRefused()
    {
        // 440 KB: took 13 s before the keys were hashed with a seed. Now linear; the state dict's non-string key is
        // the error (the unpickler got through the whole dict).
        var p = new PickleBytes().Proto(2).EmptyDict().Mark();
        for (long k = 1; k <= 40_000; k++) p.Int(Colliding(k)).Op((byte)'N');
        var e = Refuse<CheckpointFormatException>(p.SetItems().Stop().ToArray());
        Assert.Contains("4294967297", e.Message);
    }

    [Fact]
    public void NestingBuiltByAppendingToTheInnermostListHitsTheLimit()
    {
        // root = []; inner = root; 200,000 times: new = []; inner.append(new); inner = new  (through memo slot 0)
        var p = new PickleBytes().Proto(2).Op((byte)']').BinPut(0);
        for (int i = 0; i < 200_000; i++) p.BinGet(0).Op((byte)']').BinPut(0).Op((byte)'a').Op((byte)'0');
        Assert.Contains("nest more than 64 levels", Refuse<PickleFormatException>(p.Stop().ToArray()).Message);
    }

    [Fact]
    public void NestingGrownInsideATupleAndADictHitsTheLimit()
    {
        // t = (inner,); d = {"k": t}; then the chain grows under inner: the tuple and the dict are ancestors too.
        var p = new PickleBytes().Proto(2).Op((byte)']').BinPut(0).Op(0x85).BinPut(1).Op(0x30);
        for (int i = 0; i < 100; i++) p.BinGet(0).Op((byte)']').BinPut(0).Op((byte)'a').Op((byte)'0');
        Assert.Contains("nest more than 64 levels", Refuse<PickleFormatException>(p.Stop().ToArray()).Message);
    }
}

/// <summary>Strided views whose elements are not backed by their storage (the stride-0 row).</summary>
public sealed class OverlappingViewTests
{
    [Theory]
    [InlineData(new long[] { 46340, 46340 }, new long[] { 0, 0 })]
    [InlineData(new long[] { 1000, 1000 }, new long[] { 0, 1 })]
    [InlineData(new long[] { 3, 3 }, new long[] { 1, 1 })]
    public void AViewWithMoreElementsThanItSpansIsRefusedBeforeAllocating(long[] size, long[] stride)
    {
        using var dir = new TempFolder();
        var storage = new byte[4 * 1000];
        var t = new BinTensor("w", "FloatStorage", "0", storage, 1000, 0, size, stride);
        var path = dir.File("pytorch_model.bin", TorchBinWriter.Archive([t]));
        var e = Assert.Throws<CheckpointFormatException>(() => PyTorchBinCheckpoint.Open(path, PickleLimits.Default).Dispose());
        Assert.Contains("tensor 'w'", e.Message);
        Assert.Contains("overlapping or stride-0", e.Message);
    }

    [Fact]
    public void AnExpandedSizeOneDimensionIsStillRead()
    {
        // transformers' position_ids buffer: arange(4).expand((1, -1)) saves stride (0, 1).
        using var dir = new TempFolder();
        var storage = new float[] { 0, 1, 2, 3 }.SelectMany(BitConverter.GetBytes).ToArray();
        var t = new BinTensor("p", "FloatStorage", "0", storage, 4, 0, [1, 4], [0, 1]);
        var path = dir.File("pytorch_model.bin", TorchBinWriter.Archive([t]));
        using var bin = PyTorchBinCheckpoint.Open(path, PickleLimits.Default);
        Assert.Equal([0f, 1, 2, 3], bin.ReadFloat32("p").ToArray());
    }
}
