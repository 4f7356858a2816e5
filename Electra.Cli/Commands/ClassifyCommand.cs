using Electra.Models.Pipelines;

namespace Electra.Cli.Commands;

/// <summary><c>electra classify</c>: text classification with an ElectraForSequenceClassification model.</summary>
public static class ClassifyCommand
{
    public const string Usage =
        "usage: electra classify --model DIR [--top-k K|all] [--function-to-apply softmax|sigmoid|none] " + PipelineOptions.Usage + "\n" +
        "  --input reads JSON lines {\"text\": ..., \"text_pair\": ...}; output lines are {\"text\", \"labels\": [{\"label\", \"score\"}]}.";

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var a = new Arguments(args, new HashSet<string> { "json" });
        var o = PipelineOptions.Read(a);
        var topKText = a.Get("top-k");
        var function = a.Get("function-to-apply") switch
        {
            null => ClassificationFunction.Default,
            "softmax" => ClassificationFunction.Softmax,
            "sigmoid" => ClassificationFunction.Sigmoid,
            "none" => ClassificationFunction.None,
            var other => throw new UsageException($"--function-to-apply must be softmax, sigmoid or none, got '{other}'"),
        };
        a.RejectUnknown();
        int? topK = topKText switch
        {
            null => 1,
            "all" => null,
            _ when int.TryParse(topKText, out var k) && k >= 1 => k,
            _ => throw new UsageException($"--top-k expects a positive integer or 'all', got '{topKText}'"),
        };
        if (o.Input is not null && a.Positional.Count > 0) throw new UsageException("give texts as arguments or --input FILE, not both");
        if (o.Input is null && a.Positional.Count == 0) throw new UsageException("classify needs at least one TEXT or --input FILE.jsonl");
        if (o.Input is not null) JsonLinesInput.RequireFile(o.Input);
        var inputs = o.Input is not null
            ? JsonLinesInput.Read(o.Input, e => (JsonLinesInput.String(e, "text"), JsonLinesInput.OptionalString(e, "text_pair")))
            : PipelineStream.FromArguments(a.Positional, t => (t, (string?)null));
        var folder = o.ModelFolder(null, "classify");
        using var backend = o.CreateBackend();
        var pipeline = TextClassification.Load(folder, backend, o.Settings);
        var options = new TextClassificationOptions(topK, function);
        PipelineStream.Run(inputs, o.BatchSize * 2, batch => pipeline.Run(batch, options),
            (_, r) => { if (o.JsonOutput) WriteJson(stdout, r); else WriteTable(stdout, r); },
            ProgressBar.ForFile(stderr, o.Input), stdout);
        return 0;
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
