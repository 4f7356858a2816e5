using System.Collections.Immutable;
using System.Text.Json;
using Electra.Core.Checkpoints;
using Electra.Core.Errors;
using Electra.Core.Tensors;

namespace Electra.Models.Validation;

/// <summary>
/// A folder of reference outputs in the fixture format: <c>inputs.json</c>, <c>reference.safetensors</c> and,
/// optionally, <c>case.json</c> (head class and tolerance). <c>tools/export_reference.py</c> writes such folders.
/// </summary>
/// <param name="Directory">The folder it was read from.</param>
/// <param name="Inputs">The model inputs of inputs.json.</param>
/// <param name="Tensors">Every tensor of reference.safetensors as float32, copied into memory.</param>
/// <param name="Tolerance">case.json's tolerance, or <see cref="Tolerance.Default"/> when there is no case.json.</param>
/// <param name="ToleranceSource">"case.json" or "default".</param>
/// <param name="ClassName">The transformers class that produced the outputs (case.json's "class"), when known.</param>
public sealed record ReferenceCase(
    string Directory,
    ModelInputs Inputs,
    ImmutableSortedDictionary<string, HostTensor> Tensors,
    Tolerance Tolerance,
    string ToleranceSource,
    string? ClassName)
{
    public const string InputsFile = "inputs.json";
    public const string ReferenceFile = "reference.safetensors";
    public const string CaseFile = "case.json";

    /// <exception cref="InputException">the folder or inputs.json is missing or malformed.</exception>
    /// <exception cref="CheckpointFormatException">reference.safetensors is missing or malformed.</exception>
    /// <exception cref="ConfigException">case.json is malformed (the message names the field).</exception>
    public static ReferenceCase Load(string directory)
    {
        if (!System.IO.Directory.Exists(directory))
            throw new InputException($"reference folder '{directory}' does not exist");
        var inputs = ModelInputsJson.Load(Path.Combine(directory, InputsFile));
        var tensors = ReadTensors(Path.Combine(directory, ReferenceFile));
        var casePath = Path.Combine(directory, CaseFile);
        var (tolerance, source, className) = File.Exists(casePath)
            ? ReadCase(casePath)
            : (Tolerance.Default, "default", null);
        return new ReferenceCase(directory, inputs, tensors, tolerance, source, className);
    }

    /// <summary>Reads every tensor of a safetensors file into memory as float32.</summary>
    /// <exception cref="CheckpointFormatException">the file is missing, malformed, or holds a non-float tensor.</exception>
    public static ImmutableSortedDictionary<string, HostTensor> ReadTensors(string path)
    {
        using var file = SafetensorsFile.Open(path);
        var builder = ImmutableSortedDictionary.CreateBuilder<string, HostTensor>(StringComparer.Ordinal);
        foreach (var key in file.Keys)
        {
            var t = file.ReadFloat32(key);
            builder[key] = new HostTensor(t.Shape, t.ToArray());
        }
        if (builder.Count == 0) throw new CheckpointFormatException(path, "holds no tensors to compare against");
        return builder.ToImmutable();
    }

    private static (Tolerance, string, string?) ReadCase(string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new ConfigException($"{path}: expected a JSON object");
            string? className = root.TryGetProperty("class", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
            if (!root.TryGetProperty("tolerance", out var tol)) return (Tolerance.Default, "default", className);
            double Field(string name)
            {
                if (tol.ValueKind != JsonValueKind.Object || !tol.TryGetProperty(name, out var v) || v.ValueKind != JsonValueKind.Number)
                    throw new ConfigException($"{path}: tolerance.{name} must be a number");
                double d = v.GetDouble();
                if (!(d >= 0) || double.IsInfinity(d)) throw new ConfigException($"{path}: tolerance.{name} must be a finite number ≥ 0, got {d}");
                return d;
            }
            return (new Tolerance(Field("abs"), Field("rel")), CaseFile, className);
        }
        catch (JsonException ex)
        {
            throw new ConfigException($"{path}: invalid JSON: {ex.Message}", ex);
        }
    }
}
