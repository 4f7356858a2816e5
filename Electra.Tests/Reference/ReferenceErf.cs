namespace Electra.Tests.Reference;

/// <summary>
/// The error function in double, computed independently of the CPU kernels' erf: the alternating Maclaurin series
/// below 2.5 and Lentz's continued fraction for erfc above (the kernels use a positive-term series and a rational fit).
/// </summary>
public static class ReferenceErf
{
    public static double Erf(double x)
    {
        if (double.IsNaN(x)) return double.NaN;
        double a = Math.Abs(x);
        double r;
        if (a < 2.5)
        {
            // erf(x) = 2/√π Σ (−1)^n x^(2n+1) / (n! (2n+1))
            double term = a, sum = a, x2 = a * a;
            for (int n = 1; n < 200; n++)
            {
                term *= -x2 / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.Abs(add) < 1e-18 * Math.Abs(sum)) break;
            }
            r = sum * 2 / Math.Sqrt(Math.PI);
        }
        else if (a < 10) r = 1 - Erfc(a);
        else r = 1;
        return x < 0 ? -r : r;
    }

    /// <summary>erfc(x) for x ≥ 2.5: e^{−x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), by the modified Lentz method.</summary>
    private static double Erfc(double x)
    {
        const double tiny = 1e-300;
        double f = x, c = x, d = 0;
        for (int n = 1; n < 500; n++)
        {
            double an = n / 2.0;
            d = x + an * d; if (Math.Abs(d) < tiny) d = tiny; d = 1 / d;
            c = x + an / c; if (Math.Abs(c) < tiny) c = tiny;
            double delta = c * d;
            f *= delta;
            if (Math.Abs(delta - 1) < 1e-16) break;
        }
        return Math.Exp(-x * x) / Math.Sqrt(Math.PI) / f;
    }
}
