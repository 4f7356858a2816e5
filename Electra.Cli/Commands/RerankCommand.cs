using System.CommandLine;
using Electra.Cli.Options;
using Electra.Models.Pipelines;

namespace Electra.Cli.Commands;

/// <summary>
/// <c>electra rerank</c>: sentence-transformers' CrossEncoder.rank with an ElectraForSequenceClassification
/// cross-encoder: every document scored against the query, printed best first. With --json or --input, one JSON line
/// <c>{"corpus_id", "score", "text"}</c> per document.
/// </summary>
public static class RerankCommand
{
    public static Command Create(CliIO io)
    {
        var (command, documents, options) = PipelineCommand.Create("rerank", "ranks documents by their relevance to a query with a cross-encoder (sentence-transformers' CrossEncoder.rank)",
            model: "a cross-encoder (ElectraForSequenceClassification with one label, e.g. cross-encoder/ms-marco-electra-base) folder or hub id (required)",
            input: "JSON lines {\"text\": ...}, one document each; output lines are {\"corpus_id\", \"score\", \"text\"}, best first",
            texts: "documents to rank (or --input FILE.jsonl); put `--` before one that starts with '-'");
        var query = command.Define(new Option<string>("--query") { Description = "the query the documents are ranked for", HelpName = "Q", Required = true });
        var topK = command.Define(SharedOptions.Int("--top-k", "documents to print, best first (default: all)", "K", min: 1));
        var raw = command.Define(SharedOptions.Flag("--raw-scores", "print logits instead of the model's activation (sigmoid by default)"));
        command.SetAction(r => Run(options.Read(r), r.GetValue(documents)!, r.GetValue(query)!, r.GetValue(topK), r.GetValue(raw), io.Out, io.Err));
        return command;
    }

    private static int Run(PipelineOptions o, IReadOnlyList<string> positional, string query, int? topK, bool raw,
        TextWriter stdout, TextWriter stderr)
    {
        var inputs = TextInputs.From(positional, o.Input, "rerank");
        var folder = o.ModelFolder(null, "rerank");
        using var backend = o.CreateBackend();
        var pipeline = CrossEncoderRerank.Load(folder, backend, o.Settings);
        if (pipeline.NumLabels != 1)
            throw new UsageException($"rerank needs a cross-encoder with one label, but the model has {pipeline.NumLabels}");
        var options = new CrossEncoderOptions(raw ? CrossEncoderActivation.Identity : CrossEncoderActivation.Default);
        // Scores stream in chunk by chunk (with progress); the ranking needs them all before anything is printed.
        var scored = new List<(string Text, double Score)>();
        PipelineStream.Run(inputs, o.BatchSize * 4, batch => pipeline.Predict(batch.Select(d => (query, d)).ToArray(), options),
            (text, p) => scored.Add((text, p.Score)), ProgressBar.ForFile(stderr, o.Input), TextWriter.Null);
        var ranked = Enumerable.Range(0, scored.Count).OrderByDescending(i => scored[i].Score).Take(topK ?? int.MaxValue);
        foreach (int i in ranked)
        {
            if (o.JsonOutput)
                PipelineStream.WriteJsonLine(stdout, w =>
                {
                    w.WriteNumber("corpus_id", i);
                    PipelineStream.WriteScore(w, "score", scored[i].Score);
                    w.WriteString("text", scored[i].Text);
                });
            else
                stdout.WriteLine($"{scored[i].Score,10:F4}  {scored[i].Text}");
        }
        return 0;
    }
}
