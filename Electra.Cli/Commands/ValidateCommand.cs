using System.Globalization;
using Electra.Models;
using Electra.Models.Validation;

namespace Electra.Cli.Commands;

/// <summary>
/// <c>electra validate</c>: runs a model on a reference folder's inputs.json and compares every tensor of its
/// reference.safetensors per layer. Exit 0 only when all are within tolerance, <see cref="OutOfTolerance"/> otherwise.
/// </summary>
public static class ValidateCommand
{
    /// <summary>Exit code when the run worked but an output is missing or outside tolerance.</summary>
    public const int OutOfTolerance = 3;

    public const string Usage =
        "usage: electra validate --reference DIR [--model DIR|HUB_ID] [--revision REV] [--backend cpu|vulkan] [--device N] [--threads T] [--abs A --rel R] [--head CLASS] [--json FILE]\n" +
        "  DIR holds inputs.json, reference.safetensors and optionally case.json (tolerance, head class); --model defaults to DIR.\n" +
        "  --json FILE also writes the report as JSON.\n" +
        "  exit 0: every reference tensor within tolerance; 3: some tensor missing or outside it; 1: bad input; 2: usage.";

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var a = new Arguments(args, new HashSet<string>());
        var referenceDir = a.Required("reference");
        var modelDir = a.Get("model") ?? referenceDir;
        var load = ModelLoadOptions.Read(a);
        var jsonPath = a.Get("json");
        var abs = NonNegative(a, "abs");
        var rel = NonNegative(a, "rel");
        a.RejectUnknown();
        if (a.Positional.Count > 0) throw new UsageException($"unexpected argument '{a.Positional[0]}'");
        if ((abs is null) != (rel is null)) throw new UsageException("give both --abs and --rel, or neither (to use case.json's tolerance)");

        var reference = ReferenceCase.Load(referenceDir);
        using var backend = load.CreateBackend();
        var model = load.Load(modelDir, backend, defaultHead: reference.ClassName);
        var tolerance = abs is null ? null : new Tolerance(abs.Value, rel!.Value);
        var report = ReferenceValidator.Validate(model, reference, tolerance);
        foreach (var line in ValidationReportText.Lines(report)) stdout.WriteLine(line);
        if (jsonPath is not null) File.WriteAllText(jsonPath, ValidationReportJson.ToJson(report));
        return report.Passed ? 0 : OutOfTolerance;
    }

    private static double? NonNegative(Arguments a, string name)
    {
        var text = a.Get(name);
        if (text is null) return null;
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v >= 0 && double.IsFinite(v)
            ? v
            : throw new UsageException($"--{name} expects a finite number ≥ 0, got '{text}'");
    }
}
