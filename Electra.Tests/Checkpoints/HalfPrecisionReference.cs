namespace Electra.Tests.Checkpoints;

/// <summary>
/// IEEE 754 binary16 and bfloat16 decoding from the definitions (sign · 2^(e − bias) · (1 + m / 2^bits), subnormals
/// 2^(1 − bias) · m / 2^bits), computed in double. Independent of the bit tricks the reader uses.
/// </summary>
public static class HalfPrecisionReference
{
    public static float Half(ushort bits) => Decode(bits, exponentBits: 5, mantissaBits: 10);

    public static float BFloat16(ushort bits) => Decode(bits, exponentBits: 8, mantissaBits: 7);

    private static float Decode(ushort bits, int exponentBits, int mantissaBits)
    {
        int sign = bits >> 15;
        int exponent = (bits >> mantissaBits) & ((1 << exponentBits) - 1);
        int mantissa = bits & ((1 << mantissaBits) - 1);
        int bias = (1 << (exponentBits - 1)) - 1;
        double magnitude;
        if (exponent == (1 << exponentBits) - 1)
            magnitude = mantissa == 0 ? double.PositiveInfinity : double.NaN;
        else if (exponent == 0)
            magnitude = Math.ScaleB(mantissa / (double)(1 << mantissaBits), 1 - bias);
        else
            magnitude = Math.ScaleB(1 + mantissa / (double)(1 << mantissaBits), exponent - bias);
        return (float)(sign == 1 ? -magnitude : magnitude);
    }
}
