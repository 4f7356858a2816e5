using System.CommandLine;
using Electra.Cli.Commands;

namespace Electra.Cli.Options;

/// <summary>The options every pipeline command (detect, fill-mask, classify, ner, qa, ...) shares: the model group, --input, --json, --batch-size.</summary>
internal sealed class PipelineOptionGroup
{
    public ModelOptionGroup ModelOptions { get; }
    public Option<string> Input { get; }
    public Option<bool> Json { get; }
    public Option<int?> BatchSize { get; }

    /// <param name="command">the command the options are added to.</param>
    /// <param name="model">what --model means for this command (and its default, if any).</param>
    /// <param name="input">the JSON lines --input reads and the lines written for them.</param>
    public PipelineOptionGroup(Command command, string model, string input)
    {
        ModelOptions = new ModelOptionGroup(command, SharedOptions.Model(model));
        Input = command.Define(SharedOptions.Input(input));
        Json = command.Define(SharedOptions.Json("one JSON line per result instead of a table (always, with --input)"));
        BatchSize = command.Define(SharedOptions.BatchSize());
    }

    public PipelineOptions Read(ParseResult r)
    {
        var m = ModelOptions.Read(r);
        return new PipelineOptions(r.GetValue(ModelOptions.Model), m.Revision, m.Backend, m.Threads, m.Device,
            r.GetValue(Input), r.GetValue(Json), r.GetValue(BatchSize) ?? 16, m.Quantize) { Precision = m.Precision };
    }
}
