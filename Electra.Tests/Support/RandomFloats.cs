namespace Electra.Tests.Support;

/// <summary>Seeded random operands for the kernel tests.</summary>
public static class RandomFloats
{
    /// <summary><paramref name="length"/> floats uniform in [−scale, scale), drawn from <paramref name="rng"/>.</summary>
    public static float[] Uniform(Random rng, int length, float scale = 1f)
    {
        var a = new float[length];
        for (int i = 0; i < length; i++) a[i] = (float)(rng.NextDouble() * 2 - 1) * scale;
        return a;
    }
}
