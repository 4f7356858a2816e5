using Electra.Core.Errors;
using Electra.Models.Pipelines;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Electra.Tests.Pipelines.Embeddings;

/// <summary>sentence-transformers' similarity functions on hand-computed values, and their invariants.</summary>
public sealed class SimilarityTests
{
    private static readonly float[] A = [1, 2, 2];
    private static readonly float[] B = [3, 0, 4];

    [Fact]
    public void ValuesAsSentenceTransformersDefinesThem()
    {
        Assert.Equal(11f / 15f, Similarity.Cosine(A, B), 6);
        Assert.Equal(11f, Similarity.Dot(A, B));
        Assert.Equal(-MathF.Sqrt(4 + 4 + 4), Similarity.Euclidean(A, B), 6);
        Assert.Equal(-6f, Similarity.Manhattan(A, B));
        Assert.Equal(0f, Similarity.Cosine([0, 0], [1, 1]));   // norms floored at 1e-12, as torch's normalize
        Assert.Equal(Similarity.Dot(A, B), Similarity.Compute(SimilarityFunction.Dot, A, B));
        var m = Similarity.Matrix(SimilarityFunction.Manhattan, [[.. A], [.. B]], [[.. B]]);
        Assert.Equal([-6f], m[0].AsEnumerable());
        Assert.Equal([0f], m[1].AsEnumerable());
        Assert.Throws<InputException>(() => Similarity.Cosine(A, [1f]));
    }

    [Theory]
    [InlineData("cosine", SimilarityFunction.Cosine)]
    [InlineData("DOT", SimilarityFunction.Dot)]
    [InlineData("euclidean", SimilarityFunction.Euclidean)]
    [InlineData("manhattan", SimilarityFunction.Manhattan)]
    public void NamesRoundTrip(string name, SimilarityFunction function)
    {
        Assert.Equal(function, Similarity.Parse(name));
        Assert.Equal(name.ToLowerInvariant(), Similarity.Name(function));
    }

    [Property(MaxTest = 200)]
    public Property NormalizedVectorsHaveUnitLengthAndCosineEqualsTheirDot(NormalFloat[] a, NormalFloat[] b)
    {
        int n = Math.Min(a.Length, b.Length);
        var x = a.Take(n).Select(v => (float)v.Get).ToArray();
        var y = b.Take(n).Select(v => (float)v.Get).ToArray();
        float cosine = Similarity.Cosine(x, y);
        Similarity.Normalize(x);
        Similarity.Normalize(y);
        bool unit = x.All(v => v == 0) || Math.Abs(Similarity.Dot(x, x) - 1) < 1e-5;
        return (unit && Math.Abs(cosine - Similarity.Dot(x, y)) < 1e-5 && cosine <= 1.00001f && cosine >= -1.00001f)
            .Label($"cosine {cosine}, dot of normalized {Similarity.Dot(x, y)}");
    }
}
