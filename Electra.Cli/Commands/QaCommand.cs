using System.CommandLine;
using Electra.Cli.Options;
using Electra.Models.Pipelines;

namespace Electra.Cli.Commands;

/// <summary><c>electra qa</c>: extractive question answering with an ElectraForQuestionAnswering model.</summary>
public static class QaCommand
{
    public static Command Create(CliIO io)
    {
        var command = new Command("qa", "extractive question answering over contexts of any length (ElectraForQuestionAnswering); long contexts are split with --doc-stride");
        var options = new PipelineOptionGroup(command,
            model: "an ElectraForQuestionAnswering folder or hub id (required)",
            input: "JSON lines {\"question\": ..., \"context\": ...}; output lines are {\"question\", \"answers\": [{\"score\", \"start\", \"end\", \"answer\"}]}");
        var question = command.Define(new Option<string>("--question") { Description = "the question (with --context)", HelpName = "Q" });
        var context = command.Define(new Option<string>("--context") { Description = "the text the answer is taken from", HelpName = "C" });
        var topK = command.Define(SharedOptions.Int("--top-k", "answers per question (default: 1)", "K"));
        var docStride = command.Define(SharedOptions.Int("--doc-stride", "tokens shared by consecutive windows of a long context (default: min(max-seq-len / 2, 128))", "N"));
        var maxAnswerLen = command.Define(SharedOptions.Int("--max-answer-len", "longest answer in tokens (default: 15)", "N"));
        var maxSeqLen = command.Define(SharedOptions.Int("--max-seq-len", "tokens per window, question included (default: the model's maximum, at most 384)", "N"));
        var impossible = command.Define(SharedOptions.Flag("--handle-impossible-answer", "allow the empty answer (\"no answer\") when it scores best"));
        command.SetAction(r => Run(options.Read(r), r.GetValue(question), r.GetValue(context), new QuestionAnsweringOptions(
            TopK: r.GetValue(topK) ?? 1,
            DocStride: r.GetValue(docStride),
            MaxAnswerLen: r.GetValue(maxAnswerLen) ?? 15,
            MaxSeqLen: r.GetValue(maxSeqLen),
            HandleImpossibleAnswer: r.GetValue(impossible)), io.Out, io.Err));
        return command;
    }

    private static int Run(PipelineOptions o, string? question, string? context, QuestionAnsweringOptions options, TextWriter stdout, TextWriter stderr)
    {
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
        LoadWarnings.Write(stderr, pipeline.Pipeline.Model);
        return o.Stream(inputs, o.BatchSize * 2, batch => pipeline.Run(batch, options), WriteJson, WriteTable, stdout, stderr);
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
