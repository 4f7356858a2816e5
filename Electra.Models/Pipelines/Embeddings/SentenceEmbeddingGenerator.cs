using Microsoft.Extensions.AI;

namespace Electra.Models.Pipelines;

/// <summary>
/// Microsoft.Extensions.AI's <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> over a <see cref="SentenceEmbedding"/>
/// pipeline, for Semantic Kernel, vector stores and anything else written against that interface.
/// <see cref="EmbeddingGenerationOptions.Dimensions"/> truncates embeddings (Matryoshka, encode's truncate_dim), and the
/// additional property <c>"prompt_name"</c> (or <c>"prompt"</c>) chooses a prompt. The work runs on the calling thread;
/// the returned task is already complete. The backend belongs to the caller: disposing the generator leaves it alone.
/// </summary>
/// <example><code>
/// IEmbeddingGenerator&lt;string, Embedding&lt;float&gt;&gt; generator = new SentenceEmbeddingGenerator(SentenceEmbedding.Load(dir, backend));
/// var vectors = await generator.GenerateAsync(["first text", "second text"]);
/// </code></example>
public sealed class SentenceEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly SentenceEmbeddingOptions _defaults;
    private readonly EmbeddingGeneratorMetadata _metadata;

    /// <param name="pipeline">The pipeline that embeds.</param>
    /// <param name="modelId">The id reported in metadata and on every embedding (default: the model folder's name).</param>
    /// <param name="defaults">Options used for every call (prompt, normalisation); per-call options override them.</param>
    public SentenceEmbeddingGenerator(SentenceEmbedding pipeline, string? modelId = null, SentenceEmbeddingOptions? defaults = null)
    {
        Pipeline = pipeline ?? throw new ArgumentNullException(nameof(pipeline));
        _defaults = defaults ?? SentenceEmbeddingOptions.Default;
        ModelId = modelId ?? (pipeline.Pipeline.Model.SourceDirectory is { } dir
            ? Path.GetFileName(Path.TrimEndingDirectorySeparator(dir)) : "electra");
        _metadata = new EmbeddingGeneratorMetadata("Electra.NET", null, ModelId, _defaults.TruncateDim ?? pipeline.Dimension);
    }

    /// <summary>The pipeline this generator runs.</summary>
    public SentenceEmbedding Pipeline { get; }

    /// <summary>The model id of every embedding.</summary>
    public string ModelId { get; }

    /// <inheritdoc/>
    /// <exception cref="Electra.Core.Errors.InputException">an unknown prompt name, or dimensions outside [1, the model's].</exception>
    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var o = _defaults;
        if (options?.Dimensions is int dimensions) o = o with { TruncateDim = dimensions };
        if (options?.AdditionalProperties is { } extra)
        {
            if (extra.TryGetValue("prompt_name", out var name) && name is string promptName) o = o with { PromptName = promptName };
            if (extra.TryGetValue("prompt", out var text) && text is string prompt) o = o with { Prompt = prompt };
        }
        var results = Pipeline.Run(values as IReadOnlyList<string> ?? values.ToArray(), o, cancellationToken);
        var created = DateTimeOffset.UtcNow;
        var embeddings = new GeneratedEmbeddings<Embedding<float>>(results.Select(r =>
            new Embedding<float>(r.Embedding.AsMemory()) { ModelId = ModelId, CreatedAt = created }))
        {
            Usage = new UsageDetails { InputTokenCount = results.Sum(r => (long)r.TokenCount), TotalTokenCount = results.Sum(r => (long)r.TokenCount) },
        };
        return Task.FromResult(embeddings);
    }

    /// <inheritdoc/>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null) return null;
        if (serviceType == typeof(EmbeddingGeneratorMetadata)) return _metadata;
        if (serviceType == typeof(SentenceEmbedding)) return Pipeline;
        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <summary>Nothing to release: the pipeline's backend belongs to the caller.</summary>
    public void Dispose()
    {
    }
}
