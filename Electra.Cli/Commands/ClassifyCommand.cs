using System.CommandLine;
using Electra.Cli.Options;
using Electra.Models.Pipelines;

namespace Electra.Cli.Commands;

/// <summary><c>electra classify</c>: text classification with an ElectraForSequenceClassification model.</summary>
public static class ClassifyCommand
{
    public static Command Create(CliIO io)
    {
        var (command, texts, options) = PipelineCommand.Create("classify", "text (or text pair) classification with an ElectraForSequenceClassification model and its id2label labels",
            model: "an ElectraForSequenceClassification folder or hub id (required)",
            input: "JSON lines {\"text\": ..., \"text_pair\": ...}; output lines are {\"text\", \"labels\": [{\"label\", \"score\"}]}");
        var topK = command.Define(new Option<string>("--top-k") { Description = "labels per text, or all (default: 1)", HelpName = "K|all" });
        var function = command.Define(SharedOptions.Choice("--function-to-apply",
            "score function (default: transformers' choice for the model: sigmoid for one label or multi-label, softmax otherwise)", "softmax", "sigmoid", "none"));
        command.SetAction(r => Run(options.Read(r), r.GetValue(texts)!, r.GetValue(topK), r.GetValue(function), io.Out, io.Err));
        return command;
    }

    private static int Run(PipelineOptions o, IReadOnlyList<string> positional, string? topKText, string? functionText, TextWriter stdout, TextWriter stderr)
    {
        var function = functionText switch
        {
            null => ClassificationFunction.Default,
            "softmax" => ClassificationFunction.Softmax,
            "sigmoid" => ClassificationFunction.Sigmoid,
            _ => ClassificationFunction.None,
        };
        int? topK = topKText switch
        {
            null => 1,
            "all" => null,
            _ when int.TryParse(topKText, out var k) && k >= 1 => k,
            _ => throw new UsageException($"--top-k expects a positive integer or 'all', got '{topKText}'"),
        };
        if (o.Input is not null && positional.Count > 0) throw new UsageException("give texts as arguments or --input FILE, not both");
        if (o.Input is null && positional.Count == 0) throw new UsageException("classify needs at least one TEXT or --input FILE.jsonl");
        if (o.Input is not null) JsonLinesInput.RequireFile(o.Input);
        var inputs = o.Input is not null
            ? JsonLinesInput.Read(o.Input, e => (JsonLinesInput.String(e, "text"), JsonLinesInput.OptionalString(e, "text_pair")))
            : PipelineStream.FromArguments(positional, t => (t, (string?)null));
        var folder = o.ModelFolder(null, "classify");
        using var backend = o.CreateBackend();
        var pipeline = TextClassification.Load(folder, backend, o.Settings);
        LoadWarnings.Write(stderr, pipeline.Pipeline.Model);
        var options = new TextClassificationOptions(topK, function);
        return o.Stream(inputs, o.BatchSize * 2, batch => pipeline.Run(batch, options), WriteJson, WriteTable, stdout, stderr);
    }

    private static void WriteJson(TextWriter stdout, TextClassificationResult r) => PipelineStream.WriteJsonLine(stdout, w =>
    {
        w.WriteString("text", r.Text);
        if (r.TextPair is not null) w.WriteString("text_pair", r.TextPair);
        w.WriteStartArray("labels");
        foreach (var l in r.Labels)
        {
            w.WriteStartObject();
            w.WriteString("label", l.Label);
            PipelineStream.WriteScore(w, "score", l.Score);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    });

    private static void WriteTable(TextWriter stdout, TextClassificationResult r)
    {
        stdout.WriteLine(r.TextPair is null ? r.Text : $"{r.Text} | {r.TextPair}");
        int width = Math.Max(5, r.Labels.Select(l => l.Label.Length).DefaultIfEmpty(0).Max());
        foreach (var l in r.Labels) stdout.WriteLine($"  {l.Label.PadRight(width)}  {l.Score:F4}");
        stdout.WriteLine();
    }
}
