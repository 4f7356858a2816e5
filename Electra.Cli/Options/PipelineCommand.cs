using System.CommandLine;

namespace Electra.Cli.Options;

/// <summary>
/// The start every text pipeline command shares (detect, fill-mask, classify, ner, embed, rerank): the command, its
/// TEXT argument, then the shared options (<see cref="PipelineOptionGroup"/>), in that order in its help.
/// </summary>
internal sealed record PipelineCommand(Command Command, Argument<string[]> Texts, PipelineOptionGroup Options)
{
    /// <param name="name">The command's name.</param>
    /// <param name="description">What it does, for its help.</param>
    /// <param name="model">What --model means for this command (and its default, if any).</param>
    /// <param name="input">The JSON lines --input reads and the lines written for them.</param>
    /// <param name="texts">What the TEXT arguments are, where they are not plain texts to run on.</param>
    public static PipelineCommand Create(string name, string description, string model, string input, string? texts = null)
    {
        var command = new Command(name, description);
        var textArgument = command.Define(texts is null ? SharedOptions.Texts() : SharedOptions.Texts(texts));
        return new(command, textArgument, new PipelineOptionGroup(command, model, input));
    }
}
