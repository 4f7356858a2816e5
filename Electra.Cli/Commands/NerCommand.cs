using Electra.Models.Pipelines;

namespace Electra.Cli.Commands;

/// <summary><c>electra ner</c>: token classification with an ElectraForTokenClassification model.</summary>
public static class NerCommand
{
    public const string Usage =
        "usage: electra ner --model DIR [--aggregation-strategy none|simple|first|average|max] [--ignore-labels O,...] " + PipelineOptions.Usage + "\n" +
        "  --input reads JSON lines {\"text\": ...}; output lines are {\"text\", \"entities\": [{\"entity\"|\"entity_group\", \"score\", (\"index\",) \"word\", \"start\", \"end\"}]}.";

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var a = new Arguments(args, new HashSet<string> { "json" });
        var o = PipelineOptions.Read(a);
        var strategyText = a.Get("aggregation-strategy") ?? "none";
        var ignore = a.Get("ignore-labels")?.Split(',', StringSplitOptions.TrimEntries);
        a.RejectUnknown();
        var strategy = strategyText switch
        {
            "none" => AggregationStrategy.None,
            "simple" => AggregationStrategy.Simple,
            "first" => AggregationStrategy.First,
            "average" => AggregationStrategy.Average,
            "max" => AggregationStrategy.Max,
            _ => throw new UsageException($"--aggregation-strategy must be none, simple, first, average or max, got '{strategyText}'"),
        };
        var inputs = TextInputs.From(a.Positional, o.Input, "ner");
        var folder = o.ModelFolder(null, "ner");
        using var backend = o.CreateBackend();
        var pipeline = TokenClassification.Load(folder, backend, o.Settings);
        var options = new TokenClassificationOptions(strategy, ignore);
        PipelineStream.Run(inputs, o.BatchSize * 2, texts => pipeline.Run(texts, options),
            (_, r) => { if (o.JsonOutput) WriteJson(stdout, r); else WriteTable(stdout, r); },
            ProgressBar.ForFile(stderr, o.Input), stdout);
        return 0;
    }

    private static void WriteJson(TextWriter stdout, TokenClassificationResult r) => PipelineStream.WriteJsonLine(stdout, w =>
    {
        w.WriteString("text", r.Text);
        w.WriteStartArray("entities");
        foreach (var e in r.Entities)
        {
            w.WriteStartObject();
            w.WriteString(e.IsGroup ? "entity_group" : "entity", e.Entity);
            PipelineStream.WriteScore(w, "score", e.Score);
            if (e.Index is int index) w.WriteNumber("index", index);
            w.WriteString("word", e.Word);
            w.WriteNumber("start", e.Start);
            w.WriteNumber("end", e.End);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    });

    private static void WriteTable(TextWriter stdout, TokenClassificationResult r)
    {
        stdout.WriteLine(r.Text);
        if (r.Entities.IsEmpty) stdout.WriteLine("  (no entities)");
        int width = Math.Max(6, r.Entities.Select(e => e.Entity.Length).DefaultIfEmpty(0).Max());
        foreach (var e in r.Entities)
            stdout.WriteLine($"  {e.Entity.PadRight(width)}  {e.Score:F3}  {$"{e.Start}-{e.End}",-9}  {e.Word}");
        stdout.WriteLine();
    }
}
