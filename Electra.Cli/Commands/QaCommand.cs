using Electra.Models.Pipelines;

namespace Electra.Cli.Commands;

/// <summary><c>electra qa</c>: extractive question answering with an ElectraForQuestionAnswering model.</summary>
public static class QaCommand
{
    public const string Usage =
        "usage: electra qa --model DIR (--question Q --context C | --input FILE.jsonl) [--top-k K] [--doc-stride N]\n" +
        "         [--max-answer-len N] [--max-seq-len N] [--handle-impossible-answer] [--revision REV] [--backend cpu|vulkan] [--device N]\n" +
        "         [--threads T] [--batch-size N] [--json]\n" +
        "  --input reads JSON lines {\"question\": ..., \"context\": ...}; output lines are {\"question\", \"answers\": [{\"score\", \"start\", \"end\", \"answer\"}]}.";

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var a = new Arguments(args, new HashSet<string> { "json", "handle-impossible-answer" });
        var o = PipelineOptions.Read(a);
        var question = a.Get("question");
        var context = a.Get("context");
        var options = new QuestionAnsweringOptions(
            TopK: a.Int("top-k") ?? 1,
            DocStride: a.Int("doc-stride"),
            MaxAnswerLen: a.Int("max-answer-len") ?? 15,
            MaxSeqLen: a.Int("max-seq-len"),
            HandleImpossibleAnswer: a.Flag("handle-impossible-answer"));
        a.RejectUnknown();
        if (a.Positional.Count > 0) throw new UsageException($"unexpected argument '{a.Positional[0]}': use --question and --context");
        if (options.TopK < 1) throw new UsageException($"--top-k must be at least 1, got {options.TopK}");
        if (options.MaxAnswerLen < 1) throw new UsageException($"--max-answer-len must be at least 1, got {options.MaxAnswerLen}");
        IEnumerable<Numbered<QuestionAnsweringInput>> inputs;
        if (o.Input is not null)
        {
            if (question is not null || context is not null) throw new UsageException("give --question/--context or --input FILE, not both");
            JsonLinesInput.RequireFile(o.Input);
            inputs = JsonLinesInput.Read(o.Input, e => new QuestionAnsweringInput(JsonLinesInput.String(e, "question"), JsonLinesInput.String(e, "context")));
        }
        else if (question is not null && context is not null)
            inputs = [new Numbered<QuestionAnsweringInput>("arguments", new QuestionAnsweringInput(question, context))];
        else throw new UsageException("qa needs --question and --context, or --input FILE.jsonl");
        var folder = o.ModelFolder(null, "qa");
        using var backend = o.CreateBackend();
        var pipeline = QuestionAnswering.Load(folder, backend, o.Settings);
        PipelineStream.Run(inputs, o.BatchSize * 2, batch => pipeline.Run(batch, options),
            (_, r) => { if (o.JsonOutput) WriteJson(stdout, r); else WriteTable(stdout, r); },
            ProgressBar.ForFile(stderr, o.Input), stdout);
        return 0;
    }

    private static void WriteJson(TextWriter stdout, QuestionAnsweringResult r) => PipelineStream.WriteJsonLine(stdout, w =>
    {
        w.WriteString("question", r.Question);
        w.WriteStartArray("answers");
        foreach (var ans in r.Answers)
        {
            w.WriteStartObject();
            PipelineStream.WriteScore(w, "score", ans.Score);
            w.WriteNumber("start", ans.Start);
            w.WriteNumber("end", ans.End);
            w.WriteString("answer", ans.Text);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    });

    private static void WriteTable(TextWriter stdout, QuestionAnsweringResult r)
    {
        stdout.WriteLine(r.Question);
        if (r.Answers.IsEmpty) stdout.WriteLine("  (no answer)");
        foreach (var ans in r.Answers)
            stdout.WriteLine($"  {ans.Score:F4}  {$"{ans.Start}-{ans.End}",-9}  {(ans.Text.Length == 0 ? "(no answer)" : ans.Text)}");
        stdout.WriteLine();
    }
}
