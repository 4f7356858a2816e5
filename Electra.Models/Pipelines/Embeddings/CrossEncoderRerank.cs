using System.Collections.Immutable;
using System.Text.Json;
using Electra.Core.Backend;
using Electra.Core.Errors;
using Electra.Tokenizer;

namespace Electra.Models.Pipelines;

/// <summary>The activation a CrossEncoder applies to its logits (<c>activation_fn</c>).</summary>
public enum CrossEncoderActivation
{
    /// <summary>
    /// The model's own: config.json's sentence-transformers activation when it names one, else sigmoid for one label
    /// and identity for more (CrossEncoder's default).
    /// </summary>
    Default,
    Sigmoid,
    Identity,
    Tanh,
}

/// <summary>CrossEncoder.predict's scoring options.</summary>
/// <param name="ActivationFn">Applied to the logits.</param>
/// <param name="ApplySoftmax">With more than one label, a softmax over the (activated) logits of each pair.</param>
public sealed record CrossEncoderOptions(CrossEncoderActivation ActivationFn = CrossEncoderActivation.Default, bool ApplySoftmax = false)
{
    public static CrossEncoderOptions Default { get; } = new();
}

/// <summary>CrossEncoder.rank's options.</summary>
/// <param name="TopK">How many documents to return, best first; null returns them all.</param>
/// <param name="ReturnDocuments">Include each document's text in its result.</param>
/// <param name="ActivationFn">Applied to the logits.</param>
public sealed record RerankOptions(int? TopK = null, bool ReturnDocuments = false,
    CrossEncoderActivation ActivationFn = CrossEncoderActivation.Default)
{
    public static RerankOptions Default { get; } = new();
}

/// <summary>The scores of one (text, text pair): one per label.</summary>
public sealed record CrossEncoderPrediction(string Text, string TextPair, ImmutableArray<double> Scores)
{
    /// <summary>The first (with one label, the only) score.</summary>
    public double Score => Scores[0];
}

/// <summary>One document of a ranking: its index in the input (<c>corpus_id</c>), score, and text when asked for.</summary>
public sealed record RankedDocument(int CorpusId, double Score, string? Text);

/// <summary>
/// sentence-transformers' <c>CrossEncoder</c> over <c>ElectraForSequenceClassification</c> (e.g.
/// cross-encoder/ms-marco-electra-base): each (query, document) pair is stripped, tokenized as a pair and truncated
/// longest_first to the model's window, and the logits become scores through the activation (sigmoid for one label,
/// identity for more, unless config.json names another). <see cref="Rank"/> sorts documents by score.
/// </summary>
/// <example><code>
/// var rerank = CrossEncoderRerank.Load("ms-marco-electra-base", backend);
/// var best = rerank.Rank("how tall is the eiffel tower", documents, new RerankOptions(TopK: 3))[0].CorpusId;
/// </code></example>
public sealed class CrossEncoderRerank
{
    public PipelineModel Pipeline { get; }

    /// <summary>Logits per pair (config.json's num_labels).</summary>
    public int NumLabels { get; }

    /// <summary>The activation used when a call asks for <see cref="CrossEncoderActivation.Default"/>.</summary>
    public CrossEncoderActivation DefaultActivation { get; }

    /// <param name="pipeline">A sequence-classification model with its tokenizer.</param>
    /// <param name="defaultActivation">The model's activation; null: sigmoid for one label, identity for more.</param>
    public CrossEncoderRerank(PipelineModel pipeline, CrossEncoderActivation? defaultActivation = null)
    {
        Pipeline = pipeline.For(ElectraArchitecture.ElectraForSequenceClassification, "reranking");
        NumLabels = pipeline.Model.Config.NumLabels;
        var activation = defaultActivation ?? CrossEncoderActivation.Default;
        DefaultActivation = activation == CrossEncoderActivation.Default
            ? NumLabels == 1 ? CrossEncoderActivation.Sigmoid : CrossEncoderActivation.Identity
            : activation;
    }

    /// <summary>Loads a cross-encoder folder; its config.json may name the activation (sentence-transformers writes it there).</summary>
    /// <remarks>A hub id is resolved (downloaded where missing) as <see cref="ElectraPretrained.Load"/> resolves it.</remarks>
    public static CrossEncoderRerank Load(string modelDirectory, IBackend backend, PipelineSettings? settings = null)
    {
        modelDirectory = Electra.Hub.ModelResolver.Resolve(modelDirectory);
        return new(PipelineModel.Load(modelDirectory, backend, ElectraArchitecture.ElectraForSequenceClassification, "reranking", settings),
            ReadActivation(Path.Combine(modelDirectory, "config.json")));
    }

    public CrossEncoderPrediction Predict(string text, string textPair, CrossEncoderOptions? options = null) =>
        Predict([(text, textPair)], options)[0];

    /// <summary>CrossEncoder.predict: the scores of every pair, in input order.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public ImmutableArray<CrossEncoderPrediction> Predict(IReadOnlyList<(string Text, string TextPair)> pairs,
        CrossEncoderOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var o = options ?? CrossEncoderOptions.Default;
        var rows = pairs.Select(Encode).ToList();
        var logits = Logits(rows, cancellationToken);
        return pairs.Select((pair, i) => new CrossEncoderPrediction(pair.Text, pair.TextPair,
            Scores(logits[i], o.ActivationFn, o.ApplySoftmax))).ToImmutableArray();
    }

    /// <summary>CrossEncoder.rank: the documents sorted by their score for <paramref name="query"/>, best first (stable).</summary>
    /// <exception cref="InputException">top_k below 1, or the model gives more than one score per pair.</exception>
    public ImmutableArray<RankedDocument> Rank(string query, IReadOnlyList<string> documents, RerankOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(documents);
        var o = options ?? RerankOptions.Default;
        if (o.TopK is < 1) throw new InputException($"top_k must be at least 1, got {o.TopK}");
        if (NumLabels != 1) throw new InputException($"ranking needs one score per pair, but the model has {NumLabels} labels");
        var predictions = Predict(documents.Select(d => (query, d)).ToArray(), new CrossEncoderOptions(o.ActivationFn), cancellationToken);
        var ranked = predictions
            .Select((p, i) => new RankedDocument(i, p.Score, o.ReturnDocuments ? documents[i] : null))
            .OrderByDescending(r => r.Score);
        return (o.TopK is int k ? ranked.Take(k) : ranked).ToImmutableArray();
    }

    /// <summary>The tokenization CrossEncoder does: both texts stripped, one pair, longest_first truncation to the window.</summary>
    private TokenRow Encode((string Text, string TextPair) pair, int index)
    {
        if (pair.Text is null || pair.TextPair is null) throw new ArgumentNullException(nameof(pair), $"pair {index} has a null text");
        var p = Pipeline;
        var e = p.Tokenizer.Encode(pair.Text.Trim(), pair.TextPair.Trim(),
            new EncodeOptions { Truncation = TruncationStrategy.LongestFirst, MaxLength = p.MaxLength });
        return TokenRow.Of(e);
    }

    /// <summary>The logits of token rows, in input order (run in ragged batches of the settings' batch size).</summary>
    internal float[][] Logits(IReadOnlyList<TokenRow> rows, CancellationToken cancellationToken) =>
        RowBatches.Run(rows, Pipeline.Settings.BatchSize, Pipeline.SequenceForward.Run, cancellationToken)
            .Select(logits => logits.ToArray()).ToArray();

    /// <summary>The post-processing alone: one pair's logits → scores (activation, then the optional softmax).</summary>
    public ImmutableArray<double> Scores(ReadOnlySpan<float> logits, CrossEncoderActivation activation, bool applySoftmax)
    {
        var f = activation == CrossEncoderActivation.Default ? DefaultActivation : activation;
        var scores = new double[logits.Length];
        for (int i = 0; i < logits.Length; i++)
            scores[i] = f switch
            {
                CrossEncoderActivation.Sigmoid => PipelineMath.Sigmoid(logits[i]),
                CrossEncoderActivation.Tanh => Math.Tanh(logits[i]),
                _ => logits[i],
            };
        // CrossEncoder applies the softmax only where a pair has more than one score.
        if (applySoftmax && scores.Length > 1) scores = PipelineMath.Softmax(scores);
        return [.. scores];
    }

    /// <summary>
    /// The activation sentence-transformers saved in config.json: <c>sentence_transformers.activation_fn</c> (v4) or
    /// <c>sbert_ce_default_activation_function</c> (earlier), a torch class path such as
    /// "torch.nn.modules.activation.Sigmoid"; null when neither is there.
    /// </summary>
    /// <exception cref="ConfigException">the file is malformed or names an activation we do not have.</exception>
    public static CrossEncoderActivation? ReadActivation(string configPath)
    {
        if (!File.Exists(configPath)) return null;
        JsonDocument doc;
        try { doc = JsonDocument.Parse(File.ReadAllBytes(configPath)); }
        catch (JsonException e) { throw new ConfigException($"{configPath}: not valid JSON: {e.Message}"); }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return null;
            string? name = null, key = null;
            if (root.TryGetProperty("sentence_transformers", out var st) && st.ValueKind == JsonValueKind.Object &&
                st.TryGetProperty("activation_fn", out var a) && a.ValueKind == JsonValueKind.String)
                (name, key) = (a.GetString(), "sentence_transformers.activation_fn");
            else if (root.TryGetProperty("sbert_ce_default_activation_function", out var b) && b.ValueKind == JsonValueKind.String)
                (name, key) = (b.GetString(), "sbert_ce_default_activation_function");
            if (name is null) return null;
            return name[(name.LastIndexOf('.') + 1)..] switch
            {
                "Sigmoid" => CrossEncoderActivation.Sigmoid,
                "Identity" => CrossEncoderActivation.Identity,
                "Tanh" => CrossEncoderActivation.Tanh,
                _ => throw new ConfigException($"{configPath}: {key} '{name}' is not one of Sigmoid, Identity, Tanh"),
            };
        }
    }
}
