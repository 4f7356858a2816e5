using System.Collections.Immutable;

namespace Electra.Models.Pipelines;

/// <summary>
/// What sentence-transformers reads from a model folder besides the transformer itself: <c>modules.json</c> (which
/// modules run, in order: Transformer, Pooling, optionally Normalize), <c>sentence_bert_config.json</c>
/// (<c>max_seq_length</c>, <c>do_lower_case</c>), <c>1_Pooling/config.json</c> and <c>config_sentence_transformers.json</c>
/// (<c>prompts</c>, <c>default_prompt_name</c>, <c>similarity_fn_name</c>). Load it with
/// <see cref="SentenceTransformerConfigJson.Load"/>; change it with <c>with</c> (e.g. another pooling).
/// </summary>
/// <param name="Pooling">The Pooling module.</param>
/// <param name="Normalize">Whether a Normalize module follows the pooling (unit-length embeddings).</param>
/// <param name="MaxSeqLength">Longest input in tokens, special tokens included (longer ones are truncated); null: the model's.</param>
/// <param name="DoLowerCase">Lower-case texts before tokenizing (sentence-transformers does it itself, besides the tokenizer).</param>
/// <param name="Prompts">Named prompts, prepended to texts (e.g. "query" → "query: ").</param>
/// <param name="DefaultPromptName">The prompt used when a call names none; null: no prompt.</param>
/// <param name="SimilarityFunction">How the model's embeddings are compared (cosine when not set).</param>
/// <param name="TransformerPath">The folder, relative to the model folder, of the transformer and its tokenizer ("" for the folder itself).</param>
/// <param name="Source">
/// Where this came from: "sentence-transformers" when the folder has modules.json, else a statement that
/// sentence-transformers' defaults for a plain transformers model apply (mean pooling, no normalisation).
/// </param>
/// <example><code>
/// var config = SentenceTransformerConfigJson.Load(dir) with { Pooling = PoolingConfig.Of(PoolingMode.Cls) };
/// </code></example>
public sealed record SentenceTransformerConfig(
    PoolingConfig Pooling,
    bool Normalize,
    int? MaxSeqLength,
    bool DoLowerCase,
    ImmutableSortedDictionary<string, string> Prompts,
    string? DefaultPromptName,
    SimilarityFunction SimilarityFunction,
    string TransformerPath = "",
    string Source = SentenceTransformerConfig.DefaultsSource)
{
    /// <summary>How <see cref="Source"/> states that a plain transformers folder got sentence-transformers' defaults.</summary>
    public const string DefaultsSource =
        "no modules.json: sentence-transformers' defaults for a plain transformers model (mean pooling, no normalization)";

    /// <summary>sentence-transformers' configuration of a plain transformers model: mean pooling, nothing else.</summary>
    public static SentenceTransformerConfig Default { get; } = new(PoolingConfig.Default, false, null, false,
        ImmutableSortedDictionary<string, string>.Empty, null, SimilarityFunction.Cosine);
}
