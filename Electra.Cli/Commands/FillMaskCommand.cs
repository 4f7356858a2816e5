using Electra.Models.Pipelines;

namespace Electra.Cli.Commands;

/// <summary>
/// <c>electra fill-mask</c>: the top_k tokens for each [MASK] with a generator (default: the built-in demo generator).
/// </summary>
public static class FillMaskCommand
{
    public const string Usage =
        "usage: electra fill-mask [--model DIR] [--top-k K] [--targets T1,T2,...] " + PipelineOptions.Usage + "\n" +
        "  --model defaults to the built-in tiny demo generator (models/electra-tiny-rtd/generator); every text needs a [MASK].\n" +
        "  --input reads JSON lines {\"text\": ...}; output lines are {\"text\", \"masks\": [[{\"score\", \"token\", \"token_str\", \"sequence\"}, ...], ...]}.";

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var a = new Arguments(args, new HashSet<string> { "json" });
        var o = PipelineOptions.Read(a);
        int topK = a.Int("top-k") ?? 5;
        var targets = a.Get("targets")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        a.RejectUnknown();
        if (topK < 1) throw new UsageException($"--top-k must be at least 1, got {topK}");
        var inputs = TextInputs.From(a.Positional, o.Input, "fill-mask");
        var folder = o.ModelFolder(DefaultModels.Generator, "fill-mask");
        using var backend = o.CreateBackend();
        var pipeline = FillMask.Load(folder, backend, o.Settings);
        var options = new FillMaskOptions(topK, targets);
        PipelineStream.Run(inputs, o.BatchSize * 2, texts => pipeline.Run(texts, options),
            (_, r) => { if (o.JsonOutput) WriteJson(stdout, r); else WriteTable(stdout, r); },
            ProgressBar.ForFile(stderr, o.Input), stdout);
        return 0;
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
