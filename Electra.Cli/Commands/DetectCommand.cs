using Electra.Models.Pipelines;

namespace Electra.Cli.Commands;

/// <summary>
/// <c>electra detect</c>: replaced-token detection with a discriminator (default: the built-in demo model). Per text,
/// the probability that each word and token was replaced; one JSON line per text with --json or --input.
/// </summary>
public static class DetectCommand
{
    public const string Usage =
        "usage: electra detect [--model DIR] " + PipelineOptions.Usage + "\n" +
        "  --model defaults to the built-in tiny demo discriminator (models/electra-tiny-rtd/discriminator).\n" +
        "  --input reads JSON lines {\"text\": ...}; output lines are {\"text\", \"words\": [{\"word\", \"start\", \"end\", \"score\"}], \"tokens\": [{\"token\", \"score\"}]}.";

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var a = new Arguments(args, new HashSet<string> { "json" });
        var o = PipelineOptions.Read(a);
        a.RejectUnknown();
        var inputs = TextInputs.From(a.Positional, o.Input, "detect");
        var folder = o.ModelFolder(DefaultModels.Discriminator, "detect");
        using var backend = o.CreateBackend();
        var pipeline = ReplacedTokenDetection.Load(folder, backend, o.Settings);
        PipelineStream.Run(inputs, o.BatchSize * 2, texts => pipeline.Run(texts),
            (_, r) => { if (o.JsonOutput) WriteJson(stdout, r); else WriteTable(stdout, r); },
            ProgressBar.ForFile(stderr, o.Input), stdout);
        return 0;
    }

    internal static void WriteJson(TextWriter stdout, ReplacedTokenResult r) => PipelineStream.WriteJsonLine(stdout, w =>
    {
        w.WriteString("text", r.Text);
        w.WriteStartArray("words");
        foreach (var word in r.Words)
        {
            w.WriteStartObject();
            w.WriteString("word", word.Word);
            w.WriteNumber("start", word.Start);
            w.WriteNumber("end", word.End);
            PipelineStream.WriteScore(w, "score", word.Score);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("tokens");
        foreach (var token in r.Tokens)
        {
            w.WriteStartObject();
            w.WriteString("token", token.Token);
            PipelineStream.WriteScore(w, "score", token.Score);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    });

    private static void WriteTable(TextWriter stdout, ReplacedTokenResult r)
    {
        stdout.WriteLine(r.Text);
        var top = r.MostLikelyReplaced;
        int width = Math.Max(4, r.Words.Select(x => x.Word.Length).DefaultIfEmpty(0).Max());
        stdout.WriteLine($"  {"word".PadRight(width)}  chars    p(replaced)");
        foreach (var word in r.Words)
        {
            // NaN (non-finite weights) draws no bar and prints as NaN; it is never the marked word.
            var bar = double.IsFinite(word.Score) ? new string('#', (int)Math.Round(Math.Clamp(word.Score, 0, 1) * 20)) : "";
            var mark = ReferenceEquals(word, top) ? "  <- most likely replaced" : "";
            stdout.WriteLine($"  {word.Word.PadRight(width)}  {$"{word.Start}-{word.End}",-7}  {word.Score:F3} {bar,-20}{mark}");
        }
        stdout.WriteLine();
    }
}
