using System.Collections.Immutable;

namespace Electra.Models.Pipelines;

/// <summary>
/// What the pipelines over plain texts share: the model checked to have the task's head, and <c>Run</c> for one text
/// or many, which is <see cref="Prepare"/> → execute → complete (see <see cref="PipelineWork"/>).
/// </summary>
/// <typeparam name="TOptions">The task's options record (null: its defaults).</typeparam>
/// <typeparam name="TResult">The result for one text.</typeparam>
public abstract class TextPipeline<TOptions, TResult> where TOptions : class
{
    /// <exception cref="Electra.Core.Errors.ConfigException">the model's head is not <paramref name="required"/>.</exception>
    private protected TextPipeline(PipelineModel pipeline, ElectraArchitecture required, string task) =>
        Pipeline = (pipeline ?? throw new ArgumentNullException(nameof(pipeline))).For(required, task);

    /// <summary>The model, tokenizer and settings the pipeline runs on.</summary>
    public PipelineModel Pipeline { get; }

    public TResult Run(string text, TOptions? options = null) => Run([text], options)[0];

    public ImmutableArray<TResult> Run(IReadOnlyList<string> texts, TOptions? options = null) => Prepare(texts, options).Run();

    /// <summary>The call split at its forward pass (see <see cref="PipelineWork"/>); texts are tokenized here.</summary>
    public abstract PipelineWork<ImmutableArray<TResult>> Prepare(IReadOnlyList<string> texts, TOptions? options = null);
}
