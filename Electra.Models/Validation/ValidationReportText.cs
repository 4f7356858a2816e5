using System.Collections.Immutable;
using System.Globalization;
using Electra.Core.Tensors;

namespace Electra.Models.Validation;

/// <summary>Renders a <see cref="ValidationReport"/> as a table per layer and a one-line verdict (used by the CLI).</summary>
public static class ValidationReportText
{
    public static ImmutableArray<string> Lines(ValidationReport report)
    {
        var lines = ImmutableArray.CreateBuilder<string>();
        foreach (var (key, value) in report.Context) lines.Add($"{key,-17}{value}");
        lines.Add($"{"tensor",-24} {"shape",-18} {"max abs",10} {"max rel",10} {"tol used",9}  status");
        foreach (var layer in report.Layers)
        {
            lines.Add($"{layer.Stage}: max abs {Number(layer.MaxAbsError)}  {(layer.Passed ? "ok" : "FAIL")}");
            foreach (var t in layer.Tensors)
                lines.Add($"  {t.Name,-22} {TensorShape.Format(t.ReferenceShape),-18} {Number(t.MaxAbsError),10} {Number(t.MaxRelError),10} {Number(t.ToleranceUsed),9}  {Status(t)}");
        }
        lines.Add(Verdict(report));
        return lines.ToImmutable();
    }

    /// <summary>One line: PASS with the tolerance, or FAIL naming the first diverging layer, tensor and element.</summary>
    public static string Verdict(ValidationReport report)
    {
        var source = report.Context.TryGetValue("tolerance source", out var s) ? $" ({s})" : "";
        if (report.Passed)
            return $"PASS: all {report.Tensors.Length} reference tensors within {report.Tolerance}{source}";
        if (report.Tensors.IsEmpty) return "FAIL: the reference holds no tensors";
        var first = report.FirstFailure!;
        return $"FAIL: {report.Failures.Length} of {report.Tensors.Length} reference tensors outside {report.Tolerance}{source}; " +
               $"first divergence at {first.Stage}: {first.Name}: {Describe(first)}";
    }

    private static string Status(TensorComparison t) => t.Status switch
    {
        ComparisonStatus.Pass => "ok",
        _ => "FAIL " + Describe(t),
    };

    private static string Describe(TensorComparison t) => t.Status switch
    {
        ComparisonStatus.Missing => "missing: the model produced no such output",
        ComparisonStatus.ShapeMismatch => $"shape {TensorShape.Format(t.ActualShape)}, reference {TensorShape.Format(t.ReferenceShape)}",
        ComparisonStatus.OutOfTolerance when t.FirstFailure is { } f =>
            $"{t.FailingCount} of {TensorShape.ElementCount(t.ReferenceShape)} values outside tolerance, first at {TensorShape.Format(f.Position)}: " +
            $"expected {f.Expected.ToString("G9", CultureInfo.InvariantCulture)}, got {f.Actual.ToString("G9", CultureInfo.InvariantCulture)} (|diff| {Number(f.AbsError)})",
        _ => "",
    };

    private static string Number(double v) => double.IsNaN(v) ? "NaN" : v.ToString("0.00e+00", CultureInfo.InvariantCulture);
}
