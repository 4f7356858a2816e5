using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Electra.Core.Backend;
using Electra.Core.Errors;
using Electra.Models.Forward;
using Electra.Tokenizer;

namespace Electra.Models.Pipelines;

/// <summary>The arguments of sentence-transformers' <c>encode</c> that change what comes out.</summary>
/// <param name="PromptName">A key of the model's prompts; ignored when <paramref name="Prompt"/> is given.</param>
/// <param name="Prompt">Text prepended to every input (e.g. "query: "). Neither given: the model's default prompt, if any.</param>
/// <param name="NormalizeEmbeddings">Scale every embedding to unit length (after <paramref name="TruncateDim"/>),
/// besides what the model's own Normalize module does.</param>
/// <param name="TruncateDim">Keep only the first dimensions (Matryoshka models); null keeps them all.</param>
public sealed record SentenceEmbeddingOptions(string? PromptName = null, string? Prompt = null, bool NormalizeEmbeddings = false,
    int? TruncateDim = null)
{
    public static SentenceEmbeddingOptions Default { get; } = new();
}

/// <summary>The embedding of one text.</summary>
/// <param name="Text">The input as given (without the prompt).</param>
/// <param name="Embedding">The sentence embedding.</param>
/// <param name="TokenCount">Tokens the model saw, prompt and special tokens included, after truncation.</param>
public sealed record SentenceEmbeddingResult(string Text, ImmutableArray<float> Embedding, int TokenCount);

/// <summary>
/// sentence-transformers' <c>SentenceTransformer.encode</c> over an ELECTRA (or BERT-shaped) encoder: texts (with the
/// prompt prepended, stripped, lower-cased when the model says so) are tokenized and truncated to max_seq_length, run
/// sorted by length in batches without padding, pooled on the backend as the folder's Pooling module says, then
/// normalised when it has a Normalize module. A folder without sentence-transformers files gets mean pooling
/// (<see cref="SentenceTransformerConfig.Default"/>).
/// </summary>
/// <example><code>
/// var embed = SentenceEmbedding.Load("all-MiniLM-L6-v2", backend);
/// var e = embed.Run(["A man is eating food.", "A man is eating pasta."]);
/// float similarity = embed.Similarity(e[0].Embedding.AsSpan(), e[1].Embedding.AsSpan());
/// </code></example>
public sealed class SentenceEmbedding
{
    public PipelineModel Pipeline { get; }

    /// <summary>The sentence-transformers modules and settings this pipeline follows.</summary>
    public SentenceTransformerConfig Config { get; }

    /// <summary>Length of the embeddings (before any <see cref="SentenceEmbeddingOptions.TruncateDim"/>).</summary>
    public int Dimension { get; }

    /// <summary>How this model's embeddings are compared (config_sentence_transformers.json's similarity_fn_name).</summary>
    public SimilarityFunction SimilarityFunction => Config.SimilarityFunction;

    /// <exception cref="ConfigException">the pooling has no mode, or the default prompt is not among the prompts.</exception>
    public SentenceEmbedding(PipelineModel pipeline, SentenceTransformerConfig config)
    {
        Pipeline = pipeline ?? throw new ArgumentNullException(nameof(pipeline));
        Config = config ?? throw new ArgumentNullException(nameof(config));
        int modes = config.Pooling.OrderedModes.Length;
        if (modes == 0) throw new ConfigException("sentence embedding: the pooling has no mode");
        if (config.DefaultPromptName is { } name && !config.Prompts.ContainsKey(name))
            throw new ConfigException($"sentence embedding: default prompt '{name}' is not among the prompts ({string.Join(", ", config.Prompts.Keys)})");
        Dimension = modes * pipeline.Model.Config.HiddenSize;
    }

    /// <summary>
    /// Loads a sentence-transformers folder (or a plain transformers folder, with mean pooling) onto
    /// <paramref name="backend"/>. The encoder is loaded as <c>ElectraModel</c> whatever its head;
    /// <paramref name="settings"/>' MaxLength, when given, replaces the folder's max_seq_length.
    /// </summary>
    /// <remarks>A hub id is resolved (downloaded where missing) as <see cref="ElectraPretrained.Load"/> resolves it.</remarks>
    public static SentenceEmbedding Load(string modelDirectory, IBackend backend, PipelineSettings? settings = null)
    {
        modelDirectory = Electra.Hub.ModelResolver.Resolve(modelDirectory);
        return Load(modelDirectory, backend, SentenceTransformerConfigJson.Load(modelDirectory), settings);
    }

    /// <summary>Loads the encoder of <paramref name="modelDirectory"/> with a given configuration (e.g. another pooling).</summary>
    public static SentenceEmbedding Load(string modelDirectory, IBackend backend, SentenceTransformerConfig config,
        PipelineSettings? settings = null)
    {
        modelDirectory = Electra.Hub.ModelResolver.Resolve(modelDirectory);
        var s = settings ?? PipelineSettings.Default;
        if (s.MaxLength is null && config.MaxSeqLength is int max) s = s with { MaxLength = max };
        var directory = Path.Combine(modelDirectory, config.TransformerPath);
        return new(PipelineModel.Load(directory, backend, ElectraArchitecture.ElectraModel, "sentence embedding", s), config);
    }

    public SentenceEmbeddingResult Run(string text, SentenceEmbeddingOptions? options = null, CancellationToken cancellationToken = default) =>
        Run([text], options, cancellationToken)[0];

    /// <exception cref="InputException">an unknown prompt name, or a truncate dimension outside [1, Dimension].</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public ImmutableArray<SentenceEmbeddingResult> Run(IReadOnlyList<string> texts, SentenceEmbeddingOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var (rows, o) = PrepareRows(texts, options);
        var pooled = RowBatches.Run(rows, Pipeline.Settings.BatchSize, PooledRows, cancellationToken);
        return Complete(texts, rows, pooled, o);
    }

    /// <summary>The call split at its forward pass (see <see cref="PipelineWork"/>): texts are tokenized here, and
    /// calls with different prompts can still share forward passes (each row keeps its own prompt length).</summary>
    /// <exception cref="InputException">an unknown prompt name, or a truncate dimension outside [1, Dimension].</exception>
    public PipelineWork<ImmutableArray<SentenceEmbeddingResult>> Prepare(IReadOnlyList<string> texts, SentenceEmbeddingOptions? options = null)
    {
        var (rows, o) = PrepareRows(texts, options);
        return Pipeline.Work(rows, new RowForward<float[]>((this, "pooled"), PooledRows), pooled => Complete(texts, rows, pooled, o));
    }

    private (TokenRow[] Rows, SentenceEmbeddingOptions Options) PrepareRows(IReadOnlyList<string> texts, SentenceEmbeddingOptions? options)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var o = options ?? SentenceEmbeddingOptions.Default;
        if (o.TruncateDim is int d && (d < 1 || d > Dimension))
            throw new InputException($"truncate_dim must be in [1, {Dimension}], got {d}");
        string? prompt = ResolvePrompt(o);
        int promptLength = string.IsNullOrEmpty(prompt) ? 0 : Encode(prompt).Length - 1;
        var rows = new TokenRow[texts.Count];
        for (int i = 0; i < rows.Length; i++)
        {
            var text = texts[i] ?? throw new ArgumentNullException(nameof(texts), $"text {i} is null");
            rows[i] = TokenRow.Of(Encode(string.IsNullOrEmpty(prompt) ? text : prompt + text), promptLength);
        }
        return (rows, o);
    }

    private ImmutableArray<SentenceEmbeddingResult> Complete(IReadOnlyList<string> texts, TokenRow[] rows, float[][] pooled, SentenceEmbeddingOptions o)
    {
        var results = ImmutableArray.CreateBuilder<SentenceEmbeddingResult>(rows.Length);
        for (int i = 0; i < rows.Length; i++)
            results.Add(new SentenceEmbeddingResult(texts[i], Finish(pooled[i], o), rows[i].Length));
        return results.MoveToImmutable();
    }

    /// <summary>This model's similarity (<see cref="SimilarityFunction"/>) of two embeddings.</summary>
    public float Similarity(ReadOnlySpan<float> a, ReadOnlySpan<float> b) => Pipelines.Similarity.Compute(SimilarityFunction, a, b);

    /// <summary>The prompt a call uses: the given one, else the named one, else the model's default (as encode does).</summary>
    private string? ResolvePrompt(SentenceEmbeddingOptions o)
    {
        if (o.Prompt is not null) return o.Prompt;
        if (o.PromptName is { } name)
            return Config.Prompts.TryGetValue(name, out var p)
                ? p
                : throw new InputException($"prompt name '{name}' is not among the model's prompts ({string.Join(", ", Config.Prompts.Keys)})");
        return Config.DefaultPromptName is { } d ? Config.Prompts.GetValueOrDefault(d) : null;
    }

    /// <summary>sentence-transformers' Transformer.tokenize for one text: stripped, lower-cased if configured, longest_first truncation.</summary>
    private BertEncoding Encode(string text)
    {
        var t = text.Trim();
        if (Config.DoLowerCase) t = t.ToLowerInvariant();
        var p = Pipeline;
        return p.Tokenizer.Encode(t, null, new EncodeOptions { Truncation = TruncationStrategy.LongestFirst, MaxLength = p.MaxLength });
    }

    /// <summary>
    /// The pooled (concatenated, not yet normalised) vectors of token rows, in input order, run longest first in ragged
    /// batches of the settings' batch size. The first <paramref name="promptLength"/> tokens of every row are the
    /// prompt (with [CLS]); they are left out of the pooling unless the Pooling includes them.
    /// </summary>
    internal float[][] Pool(IReadOnlyList<TokenRow> rows, int promptLength, CancellationToken cancellationToken) =>
        RowBatches.Run(rows.Select(r => r with { PromptLength = promptLength }).ToArray(), Pipeline.Settings.BatchSize, PooledRows,
            cancellationToken);

    /// <summary>One ragged batch's pooled vectors; each row leaves its own prompt out (unless the Pooling includes it).</summary>
    private float[][] PooledRows(RaggedBatch batch, TokenRow[] rows)
    {
        int total = batch.TokenCount;
        var mask = new float[total];
        var positionWeights = new float[total];
        for (int b = 0; b < rows.Length; b++)
        {
            int at = batch.RowStarts[b];
            int excluded = Config.Pooling.IncludePrompt ? 0 : rows[b].PromptLength;
            for (int t = 0; t < rows[b].Length; t++)
            {
                mask[at + t] = t < excluded ? 0f : 1f;
                // weightedmean weighs token t by t + 1, its position in the (right-padded) row.
                positionWeights[at + t] = mask[at + t] * (t + 1);
            }
        }
        var modes = Config.Pooling.OrderedModes;
        var specs = modes.Select(m => m switch
        {
            PoolingMode.Cls => new SegmentPoolingSpec(SegmentPooling.First, mask),
            PoolingMode.Max => new SegmentPoolingSpec(SegmentPooling.Max, mask),
            PoolingMode.Mean => new SegmentPoolingSpec(SegmentPooling.Mean, mask),
            PoolingMode.MeanSqrtLenTokens => new SegmentPoolingSpec(SegmentPooling.MeanSqrtLength, mask),
            PoolingMode.WeightedMean => new SegmentPoolingSpec(SegmentPooling.Mean, positionWeights),
            PoolingMode.LastToken => new SegmentPoolingSpec(SegmentPooling.Last, mask),
            _ => throw new ArgumentOutOfRangeException(nameof(m)),
        }).ToArray();
        var pooled = PooledForward.Run(Pipeline.Model, batch, specs, CancellationToken.None);
        int hidden = Pipeline.Model.Config.HiddenSize;
        var vectors = new float[rows.Length][];
        for (int b = 0; b < rows.Length; b++)
        {
            // The modes' vectors side by side, as sentence-transformers concatenates them.
            vectors[b] = new float[modes.Length * hidden];
            for (int m = 0; m < modes.Length; m++) pooled[m].Row(b).Span.CopyTo(vectors[b].AsSpan(m * hidden));
        }
        return vectors;
    }

    /// <summary>The modules after pooling (Normalize), then encode's truncate_dim and normalize_embeddings.</summary>
    private ImmutableArray<float> Finish(float[] pooled, SentenceEmbeddingOptions o)
    {
        if (Config.Normalize) Pipelines.Similarity.Normalize(pooled);
        var vector = o.TruncateDim is int d && d < pooled.Length ? pooled[..d] : pooled;
        if (o.NormalizeEmbeddings) Pipelines.Similarity.Normalize(vector);
        return ImmutableCollectionsMarshal.AsImmutableArray(vector);
    }
}
