namespace Electra.Models.Validation;

/// <summary>
/// The fixture format's element-wise criterion: an output value <c>a</c> matches the reference <c>r</c> when
/// <c>|a − r| ≤ Abs + Rel·|r|</c> (equal values, infinities and NaN against NaN included).
/// </summary>
public sealed record Tolerance(double Abs, double Rel)
{
    /// <summary>abs = rel = 1e-4, what every shared fixture uses.</summary>
    public static Tolerance Default { get; } = new(1e-4, 1e-4);

    /// <summary>The largest difference allowed against the reference value <paramref name="reference"/>.</summary>
    public double Allowed(double reference) => Abs + Rel * Math.Abs(reference);

    public bool Accepts(double reference, double actual) =>
        reference == actual
        || (double.IsNaN(reference) && double.IsNaN(actual))
        || Math.Abs(actual - reference) <= Allowed(reference);

    public override string ToString() => $"abs {Abs:G3} + rel {Rel:G3}·|ref|";
}
