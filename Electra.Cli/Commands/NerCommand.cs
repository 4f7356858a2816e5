using System.CommandLine;
using Electra.Cli.Options;
using Electra.Models.Pipelines;

namespace Electra.Cli.Commands;

/// <summary><c>electra ner</c>: token classification with an ElectraForTokenClassification model.</summary>
public static class NerCommand
{
    public static Command Create(CliIO io)
    {
        var (command, texts, options) = PipelineCommand.Create("ner", "token classification (named entities) with an ElectraForTokenClassification model, with transformers' aggregation and character offsets",
            model: "an ElectraForTokenClassification folder or hub id (required)",
            input: "JSON lines {\"text\": ...}; output lines are {\"text\", \"entities\": [{\"entity\"|\"entity_group\", \"score\", (\"index\",) \"word\", \"start\", \"end\"}]}");
        var strategy = command.Define(SharedOptions.Choice("--aggregation-strategy", "how tokens are grouped into entities, as transformers (default: none)",
            "none", "simple", "first", "average", "max"));
        var ignore = command.Define(new Option<string>("--ignore-labels") { Description = "labels left out of the output, comma-separated (default: O)", HelpName = "O,..." });
        command.SetAction(r => Run(options.Read(r), r.GetValue(texts)!, r.GetValue(strategy) ?? "none",
            r.GetValue(ignore)?.Split(',', StringSplitOptions.TrimEntries), io.Out, io.Err));
        return command;
    }

    private static int Run(PipelineOptions o, IReadOnlyList<string> texts, string strategyText, string[]? ignore, TextWriter stdout, TextWriter stderr)
    {
        var strategy = strategyText switch
        {
            "none" => AggregationStrategy.None,
            "simple" => AggregationStrategy.Simple,
            "first" => AggregationStrategy.First,
            "average" => AggregationStrategy.Average,
            "max" => AggregationStrategy.Max,
            _ => throw new UsageException($"--aggregation-strategy must be none, simple, first, average or max, got '{strategyText}'"),
        };
        var inputs = TextInputs.From(texts, o.Input, "ner");
        var folder = o.ModelFolder(null, "ner");
        using var backend = o.CreateBackend();
        var pipeline = TokenClassification.Load(folder, backend, o.Settings);
        LoadWarnings.Write(stderr, pipeline.Pipeline.Model);
        var options = new TokenClassificationOptions(strategy, ignore);
        return o.Stream(inputs, o.BatchSize * 2, texts => pipeline.Run(texts, options), WriteJson, WriteTable, stdout, stderr);
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
