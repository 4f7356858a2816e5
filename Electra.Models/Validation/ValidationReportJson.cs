using System.Text.Json;
using System.Text.Json.Nodes;

namespace Electra.Models.Validation;

/// <summary>A <see cref="ValidationReport"/> as JSON (snake_case keys), for CI systems and dashboards.</summary>
public static class ValidationReportJson
{
    public static string ToJson(ValidationReport report)
    {
        static JsonNode? Number(double v) => double.IsNaN(v) ? null : JsonValue.Create(v);
        static JsonArray Ints(IEnumerable<int> values) => new(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());
        var tensors = new JsonArray();
        foreach (var t in report.Tensors)
        {
            tensors.Add((JsonNode)new JsonObject
            {
                ["name"] = t.Name,
                ["layer"] = t.Stage.Index,
                ["module"] = t.Stage.ModuleName,
                ["status"] = t.Status.ToString(),
                ["passed"] = t.Passed,
                ["reference_shape"] = Ints(t.ReferenceShape),
                ["actual_shape"] = Ints(t.ActualShape.IsDefault ? [] : t.ActualShape),
                ["max_abs_error"] = Number(t.MaxAbsError),
                ["max_rel_error"] = Number(t.MaxRelError),
                ["tolerance_used"] = Number(t.ToleranceUsed),
                ["failing_count"] = t.FailingCount,
                ["first_failure"] = t.FirstFailure is { } f
                    ? new JsonObject
                    {
                        ["flat_index"] = f.FlatIndex,
                        ["position"] = Ints(f.Position),
                        ["expected"] = Number(f.Expected),
                        ["actual"] = Number(f.Actual),
                    }
                    : null,
            });
        }
        var first = report.FirstFailure;
        var root = new JsonObject
        {
            ["passed"] = report.Passed,
            ["tolerance"] = new JsonObject { ["abs"] = report.Tolerance.Abs, ["rel"] = report.Tolerance.Rel },
            ["first_diverging_layer"] = first is null ? null : new JsonObject
            {
                ["layer"] = first.Stage.Index,
                ["module"] = first.Stage.ModuleName,
                ["tensor"] = first.Name,
            },
            ["context"] = new JsonObject(report.Context.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)JsonValue.Create(kv.Value)))),
            ["tensors"] = tensors,
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }
}
