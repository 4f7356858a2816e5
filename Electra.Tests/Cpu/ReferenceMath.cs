using Electra.Core.Backend;

namespace Electra.Tests.Cpu;

/// <summary>
/// Plain double-precision twins of the CPU kernels, written to read like the maths. Used only by tests; they are
/// checked against transformers' outputs indirectly through the fixture tests of the whole model.
/// </summary>
public static class ReferenceMath
{
    /// <summary>erf in double: Maclaurin series below 2.5, Lentz's continued fraction for erfc above.</summary>
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
        else if (a < 10)
        {
            r = 1 - Erfc(a);
        }
        else r = 1;
        return x < 0 ? -r : r;
    }

    /// <summary>erfc(x) for x ≥ 2.5: e^{−x²}/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...)))).</summary>
    static double Erfc(double x)
    {
        // Modified Lentz on erfc(x) = e^{-x²}/√π · K, K = 1/(x+ (1/2)/(x+ 1/(x+ (3/2)/(x+ ...)))).
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

    public static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    public static double Activate(double x, Activation activation) => activation switch
    {
        Activation.Identity => x,
        Activation.Gelu => 0.5 * x * (1 + Erf(x / Math.Sqrt(2))),
        Activation.GeluTanh => 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x))),
        Activation.Relu => Math.Max(x, 0),
        Activation.Silu => x * Sigmoid(x),
        Activation.Tanh => Math.Tanh(x),
        Activation.Sigmoid => Sigmoid(x),
        Activation.QuickGelu => x * Sigmoid(1.702 * x),
        _ => throw new ArgumentOutOfRangeException(nameof(activation)),
    };

    /// <summary>y[m, n] = act(Σ_k x[m, k]·w[n, k] + b[n]) in double; also returns Σ|x·w| per output for error bounds.</summary>
    public static (double[] Y, double[] Magnitude) Linear(float[] x, float[] w, float[]? bias, int m, int n, int k, Activation activation)
    {
        var y = new double[m * n];
        var mag = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = bias?[j] ?? 0, a = Math.Abs(bias?[j] ?? 0);
                for (int t = 0; t < k; t++)
                {
                    double p = (double)x[i * k + t] * w[j * k + t];
                    s += p;
                    a += Math.Abs(p);
                }
                y[i * n + j] = Activate(s, activation);
                mag[i * n + j] = a;
            }
        return (y, mag);
    }
}
