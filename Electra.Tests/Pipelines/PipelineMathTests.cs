using Electra.Models.Pipelines;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Electra.Tests.Pipelines;

public sealed class PipelineMathTests
{
    [Fact]
    public void SoftmaxOfSmallLogitsIsTheTextbookValue()
    {
        var p = PipelineMath.Softmax([1f, 2f, 3f]);
        double z = Math.Exp(1) + Math.Exp(2) + Math.Exp(3);
        Assert.Equal(Math.Exp(1) / z, p[0], 12);
        Assert.Equal(Math.Exp(3) / z, p[2], 12);
    }

    [Fact]
    public void SoftmaxIsShiftedSoHugeLogitsDoNotOverflow()
    {
        var p = PipelineMath.Softmax([1000f, 1000f, -1000f]);
        Assert.Equal(0.5, p[0], 12);
        Assert.Equal(0.5, p[1], 12);
        Assert.Equal(0.0, p[2], 12);
    }

    [Fact]
    public void TopKKeepsIndexOrderAmongEqualScores()
    {
        Assert.Equal([1, 3, 0], PipelineMath.TopK([0.2, 0.5, 0.1, 0.5], 3));
        Assert.Equal([1, 3, 0, 2], PipelineMath.TopK([0.2, 0.5, 0.1, 0.5], 10));
        Assert.Empty(PipelineMath.TopK([0.2], 0));
    }

    [Property(MaxTest = 200)]
    public Property TopKIsTheStableDescendingSortPrefix(NormalFloat[] values, PositiveInt k)
    {
        var v = values.Select(x => Math.Round(x.Get, 1)).ToArray();   // rounding makes ties common
        var expected = Enumerable.Range(0, v.Length).OrderByDescending(i => v[i]).Take(k.Get).ToArray();
        return PipelineMath.TopK(v, k.Get).SequenceEqual(expected).Label($"values [{string.Join(", ", v)}], k {k.Get}");
    }

    [Theory]
    [InlineData(10, 4, 1, "0-4 3-7 6-10")]
    [InlineData(4, 4, 2, "0-4")]
    [InlineData(0, 4, 0, "0-0")]
    [InlineData(9, 5, 2, "0-5 3-8 6-9")]
    public void WindowsAreTheTokenizersOverflowWindows(int count, int size, int stride, string expected) =>
        Assert.Equal(expected, string.Join(" ", TokenWindows.Split(count, size, stride).Select(w => $"{w.Start}-{w.Stop}")));

    [Property(MaxTest = 300)]
    public Property WindowsCoverEveryTokenAndOverlapByStride(PositiveInt countSeed, PositiveInt sizeSeed, NonNegativeInt strideSeed)
    {
        int count = countSeed.Get % 500, size = 1 + sizeSeed.Get % 40, stride = strideSeed.Get % size;
        var w = TokenWindows.Split(count, size, stride);
        bool starts = w[0].Start == 0 && w[^1].Stop == count;
        bool lengths = w.All(x => x.Length <= size && x.Length >= 0);
        bool steps = w.Zip(w.Skip(1)).All(p => p.Second.Start - p.First.Start == size - stride && p.First.Stop == p.First.Start + size);
        var best = TokenWindows.BestWindowPerToken(count, w);
        bool inside = Enumerable.Range(0, count).All(t => w[best[t]].Start <= t && t < w[best[t]].Stop);
        return (starts && lengths && steps && inside).Label($"count {count}, size {size}, stride {stride}");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void StrideMustBeSmallerThanTheWindow(int room) =>
        Assert.Throws<Electra.Core.Errors.InputException>(() => TokenWindows.Split(10, room, 0));

    [Fact]
    public void StrideAsLargeAsTheWindowIsAnError()
    {
        var ex = Assert.Throws<Electra.Core.Errors.InputException>(() => TokenWindows.Split(10, 4, 4));
        Assert.Contains("stride 4", ex.Message);
    }
}
