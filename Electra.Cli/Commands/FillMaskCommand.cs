using System.CommandLine;
using Electra.Cli.Options;
using Electra.Models.Pipelines;

namespace Electra.Cli.Commands;

/// <summary>
/// <c>electra fill-mask</c>: the top_k tokens for each [MASK] with a generator (default: the built-in demo generator).
/// </summary>
public static class FillMaskCommand
{
    public static Command Create(CliIO io)
    {
        var (command, texts, options) = PipelineCommand.Create("fill-mask", "the likeliest tokens for each [MASK] of a text, with their scores and the filled sequence",
            model: "a generator (ElectraForMaskedLM) folder or hub id (default: the built-in tiny demo generator, models/electra-tiny-rtd/generator)",
            input: "JSON lines {\"text\": ...}; output lines are {\"text\", \"masks\": [[{\"score\", \"token\", \"token_str\", \"sequence\"}, ...], ...]}",
            texts: "texts with at least one [MASK] (or --input FILE.jsonl); put `--` before a text that starts with '-'");
        var topK = command.Define(SharedOptions.Int("--top-k", "candidates per [MASK] (default: 5)", "K", min: 1));
        var targets = command.Define(new Option<string>("--targets") { Description = "score only these tokens (comma-separated), as transformers' targets", HelpName = "T1,T2,..." });
        command.SetAction(r => Run(options.Read(r), r.GetValue(texts)!, r.GetValue(topK) ?? 5,
            r.GetValue(targets)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), io.Out, io.Err));
        return command;
    }

    private static int Run(PipelineOptions o, IReadOnlyList<string> texts, int topK, string[]? targets, TextWriter stdout, TextWriter stderr)
    {
        var inputs = TextInputs.From(texts, o.Input, "fill-mask");
        var folder = o.ModelFolder(DefaultModels.Generator, "fill-mask");
        using var backend = o.CreateBackend();
        var pipeline = FillMask.Load(folder, backend, o.Settings);
        LoadWarnings.Write(stderr, pipeline.Pipeline.Model);
        var options = new FillMaskOptions(topK, targets);
        return o.Stream(inputs, o.BatchSize * 2, texts => pipeline.Run(texts, options), WriteJson, WriteTable, stdout, stderr);
    }

    private static void WriteJson(TextWriter stdout, FillMaskResult r) => PipelineStream.WriteJsonLine(stdout, w =>
    {
        w.WriteString("text", r.Text);
        w.WriteStartArray("masks");
        foreach (var mask in r.Masks)
        {
            w.WriteStartArray();
            foreach (var c in mask.Candidates)
            {
                w.WriteStartObject();
                PipelineStream.WriteScore(w, "score", c.Score);
                w.WriteNumber("token", c.Token);
                w.WriteString("token_str", c.TokenStr);
                w.WriteString("sequence", c.Sequence);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        w.WriteEndArray();
    });

    private static void WriteTable(TextWriter stdout, FillMaskResult r)
    {
        stdout.WriteLine(r.Text);
        foreach (var mask in r.Masks)
        {
            if (r.Masks.Length > 1) stdout.WriteLine($"  [MASK] at token {mask.Position}:");
            int width = Math.Max(5, mask.Candidates.Select(c => c.TokenStr.Length).DefaultIfEmpty(0).Max());
            foreach (var c in mask.Candidates)
                stdout.WriteLine($"  {c.Score:F3}  {c.TokenStr.PadRight(width)}  {c.Sequence}");
        }
        stdout.WriteLine();
    }
}
