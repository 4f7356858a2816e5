namespace Electra.Tests.Vulkan;

internal static class TestData
{
    public static float[] Random(Random rng, int n, double scale = 1.0)
    {
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float)((rng.NextDouble() * 2 - 1) * scale);
        return a;
    }

    /// <summary>Asserts |actual − expected| ≤ tol·(1 + |expected|) elementwise, naming the first bad index.</summary>
    public static void Close(IReadOnlyList<double> expected, float[] actual, double tol, string what)
    {
        Assert.Equal(expected.Count, actual.Length);
        for (int i = 0; i < actual.Length; i++)
        {
            double e = expected[i], a = actual[i];
            if (!(Math.Abs(a - e) <= tol * (1 + Math.Abs(e))))
                Assert.Fail($"{what}: index {i}: expected {e:R}, got {a:R} (tolerance {tol})");
        }
    }

    public static bool IsClose(IReadOnlyList<double> expected, float[] actual, double tol)
    {
        if (expected.Count != actual.Length) return false;
        for (int i = 0; i < actual.Length; i++)
            if (!(Math.Abs(actual[i] - expected[i]) <= tol * (1 + Math.Abs(expected[i])))) return false;
        return true;
    }
}
