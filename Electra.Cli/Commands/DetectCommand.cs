using System.CommandLine;
using Electra.Cli.Options;
using Electra.Cli.Text;
using Electra.Models.Pipelines;

namespace Electra.Cli.Commands;

/// <summary>
/// <c>electra detect</c>: replaced-token detection with a discriminator (default: the built-in demo model). Per text,
/// the probability that each word and token was replaced; one JSON line per text with --json or --input.
/// </summary>
public static class DetectCommand
{
    public static Command Create(CliIO io)
    {
        var (command, texts, options) = PipelineCommand.Create("detect", "replaced-token detection: the probability that each word and token of a text was replaced",
            model: "a discriminator (ElectraForPreTraining) folder or hub id (default: the built-in tiny demo discriminator, models/electra-tiny-rtd/discriminator)",
            input: "JSON lines {\"text\": ...}; output lines are {\"text\", \"words\": [{\"word\", \"start\", \"end\", \"score\"}], \"tokens\": [{\"token\", \"score\"}]}");
        command.SetAction(r => Run(options.Read(r), r.GetValue(texts)!, io.Out, io.Err));
        return command;
    }

    private static int Run(PipelineOptions o, IReadOnlyList<string> texts, TextWriter stdout, TextWriter stderr)
    {
        var inputs = TextInputs.From(texts, o.Input, "detect");
        var folder = o.ModelFolder(DefaultModels.Discriminator, "detect");
        using var backend = o.CreateBackend();
        var pipeline = ReplacedTokenDetection.Load(folder, backend, o.Settings);
        LoadWarnings.Write(stderr, pipeline.Pipeline.Model);
        return o.Stream(inputs, o.BatchSize * 2, texts => pipeline.Run(texts), WriteJson, WriteTable, stdout, stderr);
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
        int width = Math.Max(4, r.Words.Select(x => DisplayWidth.Of(x.Word)).DefaultIfEmpty(0).Max());
        stdout.WriteLine($"  {"word".PadRight(width)}  chars    p(replaced)");
        foreach (var word in r.Words)
        {
            // NaN (non-finite weights) draws no bar and prints as NaN; it is never the marked word.
            var bar = double.IsFinite(word.Score) ? new string('#', (int)Math.Round(Math.Clamp(word.Score, 0, 1) * 20)) : "";
            var mark = ReferenceEquals(word, top) ? "  <- most likely replaced" : "";
            stdout.WriteLine($"  {DisplayWidth.PadRight(word.Word, width)}  {$"{word.Start}-{word.End}",-7}  {word.Score:F3} {bar,-20}{mark}");
        }
        stdout.WriteLine();
    }
}
