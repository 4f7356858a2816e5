namespace Electra.Cpu.Kernels;

/// <summary>
/// The error function in double precision (.NET has none). Exact GELU needs erf to better than float32 rounding so
/// that our activations match torch's to the last bit or two.
/// </summary>
public static class Erf
{
    /// <summary>erf(x) with relative error below 1e-15 for all finite x.</summary>
    public static double Evaluate(double x)
    {
        if (double.IsNaN(x)) return double.NaN;
        double a = Math.Abs(x);
        double r;
        if (a < 2.5)
        {
            // erf(x) = 2/√π · e^{-x²} · Σ 2ⁿ x^{2n+1} / (1·3·…·(2n+1)): all terms positive, so no cancellation.
            double term = a, sum = a, x2 = a * a;
            for (int n = 1; n < 200 && term > 1e-17 * sum; n++)
            {
                term *= 2.0 * x2 / (2 * n + 1);
                sum += term;
            }
            r = 1.1283791670955125739 * Math.Exp(-x2) * sum;
        }
        else if (a < 6.0)
        {
            r = 1.0 - Erfc(a);
        }
        else
        {
            r = 1.0;
        }
        return x < 0 ? -r : r;
    }

    // erfc by Lentz's continued fraction, accurate for x ≥ 2.5.
    private static double Erfc(double x)
    {
        // erfc(x) = e^{-x²}/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + 2/(x + …)))))
        const double tiny = 1e-300;
        double f = x, c = x, d = 0;
        for (int n = 1; n < 500; n++)
        {
            double an = n * 0.5;
            d = x + an * d;
            d = Math.Abs(d) < tiny ? tiny : d;
            c = x + an / c;
            c = Math.Abs(c) < tiny ? tiny : c;
            d = 1 / d;
            double delta = c * d;
            f *= delta;
            if (Math.Abs(delta - 1) < 1e-16) break;
        }
        return Math.Exp(-x * x) / (f * 1.7724538509055160273);
    }
}
