using System.CommandLine;
using Electra.Cli.Options;
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
    public const int OutOfTolerance = ExitCodes.OutOfTolerance;

    public static Command Create(CliIO io)
    {
        var command = new Command("validate",
            "compare a model's outputs with transformers' reference outputs, per tensor and per layer, and name the first layer that diverges; " +
            "exit 0 when every reference tensor is within tolerance, 3 when one is missing or outside it");
        var reference = command.Define(new Option<string>("--reference")
        {
            Description = "folder with inputs.json, reference.safetensors and optionally case.json (tolerance, head class)", HelpName = "DIR", Required = true,
        });
        var model = new ModelOptionGroup(command, SharedOptions.Model("the model (default: the --reference folder)"), head: true);
        var json = command.Define(new Option<string>("--json") { Description = "also write the report as JSON to FILE", HelpName = "FILE" });
        var abs = command.Define(SharedOptions.Double("--abs", "absolute tolerance, with --rel (default: case.json's)", "A"));
        var rel = command.Define(SharedOptions.Double("--rel", "relative tolerance, with --abs: |a - r| <= abs + rel * |r|", "R"));
        command.SetAction(r => Run(r.GetValue(reference)!, r.GetValue(model.Model), model.Read(r), r.GetValue(json), r.GetValue(abs), r.GetValue(rel), io.Out, io.Err));
        return command;
    }

    private static int Run(string referenceDir, string? modelDir, ModelLoadOptions load, string? jsonPath, double? abs, double? rel, TextWriter stdout, TextWriter stderr)
    {
        modelDir ??= referenceDir;
        if (abs < 0) throw new UsageException($"--abs expects a finite number ≥ 0, got '{abs}'");
        if (rel < 0) throw new UsageException($"--rel expects a finite number ≥ 0, got '{rel}'");
        if ((abs is null) != (rel is null)) throw new UsageException("give both --abs and --rel, or neither (to use case.json's tolerance)");

        var reference = ReferenceCase.Load(referenceDir);
        using var backend = load.CreateBackend();
        var model = load.Load(modelDir, backend, defaultHead: reference.ClassName);
        LoadWarnings.Write(stderr, model);
        var tolerance = abs is null ? null : new Tolerance(abs.Value, rel!.Value);
        var report = ReferenceValidator.Validate(model, reference, tolerance);
        foreach (var line in ValidationReportText.Lines(report)) stdout.WriteLine(line);
        if (jsonPath is not null) File.WriteAllText(jsonPath, ValidationReportJson.ToJson(report));
        return report.Passed ? 0 : OutOfTolerance;
    }

}
