using System.Collections.Immutable;
using Electra.Core.Errors;

namespace Electra.Models.Pipelines;

/// <summary>sentence-transformers' <c>SimilarityFunction</c>: how two embeddings are compared (higher is more similar).</summary>
public enum SimilarityFunction
{
    /// <summary><c>cosine</c>: a·b / (max(‖a‖, 1e-12) · max(‖b‖, 1e-12)).</summary>
    Cosine,
    /// <summary><c>dot</c>: a·b.</summary>
    Dot,
    /// <summary><c>euclidean</c>: −‖a − b‖₂.</summary>
    Euclidean,
    /// <summary><c>manhattan</c>: −‖a − b‖₁.</summary>
    Manhattan,
}

/// <summary>
/// sentence-transformers' similarity functions (<c>util.cos_sim</c>, <c>dot_score</c>, <c>euclidean_sim</c>,
/// <c>manhattan_sim</c>), accumulated in double precision and returned as float like theirs.
/// </summary>
/// <example><code>float s = Similarity.Compute(SimilarityFunction.Cosine, a.Embedding.AsSpan(), b.Embedding.AsSpan());</code></example>
public static class Similarity
{
    /// <summary>Parses a name as config_sentence_transformers.json writes it: cosine, dot, euclidean, manhattan.</summary>
    /// <exception cref="ConfigException">the name is none of them.</exception>
    public static SimilarityFunction Parse(string name) => name.ToLowerInvariant() switch
    {
        "cosine" => SimilarityFunction.Cosine,
        "dot" => SimilarityFunction.Dot,
        "euclidean" => SimilarityFunction.Euclidean,
        "manhattan" => SimilarityFunction.Manhattan,
        _ => throw new ConfigException($"similarity function '{name}' is not one of cosine, dot, euclidean, manhattan"),
    };

    /// <summary>The name sentence-transformers gives <paramref name="function"/>.</summary>
    public static string Name(SimilarityFunction function) => function switch
    {
        SimilarityFunction.Cosine => "cosine",
        SimilarityFunction.Dot => "dot",
        SimilarityFunction.Euclidean => "euclidean",
        SimilarityFunction.Manhattan => "manhattan",
        _ => throw new ArgumentOutOfRangeException(nameof(function)),
    };

    /// <summary>The similarity of two embeddings of the same length.</summary>
    /// <exception cref="InputException">the lengths differ.</exception>
    public static float Compute(SimilarityFunction function, ReadOnlySpan<float> a, ReadOnlySpan<float> b) => function switch
    {
        SimilarityFunction.Cosine => Cosine(a, b),
        SimilarityFunction.Dot => Dot(a, b),
        SimilarityFunction.Euclidean => Euclidean(a, b),
        SimilarityFunction.Manhattan => Manhattan(a, b),
        _ => throw new ArgumentOutOfRangeException(nameof(function)),
    };

    /// <summary>The similarity of every embedding of <paramref name="a"/> with every one of <paramref name="b"/>: [|a|, |b|].</summary>
    public static ImmutableArray<ImmutableArray<float>> Matrix(SimilarityFunction function,
        IReadOnlyList<ImmutableArray<float>> a, IReadOnlyList<ImmutableArray<float>> b) =>
        a.Select(x => b.Select(y => Compute(function, x.AsSpan(), y.AsSpan())).ToImmutableArray()).ToImmutableArray();

    /// <summary>Cosine similarity; each norm is floored at 1e-12 as torch's <c>normalize</c> does.</summary>
    public static float Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        SameLength(a, b);
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }
        return (float)(dot / (Math.Max(Math.Sqrt(na), 1e-12) * Math.Max(Math.Sqrt(nb), 1e-12)));
    }

    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        SameLength(a, b);
        double dot = 0;
        for (int i = 0; i < a.Length; i++) dot += (double)a[i] * b[i];
        return (float)dot;
    }

    /// <summary>Negative Euclidean distance.</summary>
    public static float Euclidean(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        SameLength(a, b);
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double d = (double)a[i] - b[i];
            sum += d * d;
        }
        return (float)-Math.Sqrt(sum);
    }

    /// <summary>Negative Manhattan distance.</summary>
    public static float Manhattan(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        SameLength(a, b);
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += Math.Abs((double)a[i] - b[i]);
        return (float)-sum;
    }

    /// <summary>
    /// <paramref name="v"/> divided by max(‖v‖₂, 1e-12) in place (torch's <c>F.normalize(p=2)</c>, sentence-transformers'
    /// <c>Normalize</c> module).
    /// </summary>
    public static void Normalize(Span<float> v)
    {
        double sum = 0;
        foreach (var x in v) sum += (double)x * x;
        double norm = Math.Max(Math.Sqrt(sum), 1e-12);
        for (int i = 0; i < v.Length; i++) v[i] = (float)(v[i] / norm);
    }

    private static void SameLength(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
            throw new InputException($"cannot compare embeddings of {a.Length} and {b.Length} dimensions");
    }
}
