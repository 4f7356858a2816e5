namespace Electra.Models.Pipelines;

/// <summary>
/// How a pipeline runs its inputs: up to <paramref name="BatchSize"/> sequences per forward pass (sorted by length,
/// run as a ragged batch without padding), each at most <paramref name="MaxLength"/> tokens (null: the smaller of the
/// tokenizer's model_max_length and the model's max_position_embeddings).
/// </summary>
/// <example><code>var settings = new PipelineSettings(BatchSize: 32);</code></example>
public sealed record PipelineSettings(int BatchSize = 16, int? MaxLength = null)
{
    public static PipelineSettings Default { get; } = new();
}
