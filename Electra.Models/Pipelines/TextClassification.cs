using System.Collections.Immutable;
using Electra.Core.Backend;
using Electra.Core.Errors;
using Electra.Tokenizer;

namespace Electra.Models.Pipelines;

/// <summary>transformers' <c>function_to_apply</c>.</summary>
public enum ClassificationFunction
{
    /// <summary>
    /// transformers' rule: none for regression, sigmoid for one label or multi-label classification, softmax otherwise.
    /// </summary>
    Default,
    Softmax,
    Sigmoid,
    None,
}

/// <summary>transformers' text-classification options.</summary>
/// <param name="TopK">How many labels to return, best first; null returns every label (sorted).</param>
/// <param name="FunctionToApply">How logits become scores.</param>
public sealed record TextClassificationOptions(int? TopK = 1, ClassificationFunction FunctionToApply = ClassificationFunction.Default)
{
    public static TextClassificationOptions Default { get; } = new();
}

/// <summary>A label with its score.</summary>
public sealed record LabelScore(string Label, double Score);

/// <summary>The labels of one text (or pair), best first.</summary>
public sealed record TextClassificationResult(string Text, string? TextPair, ImmutableArray<LabelScore> Labels);

/// <summary>
/// transformers' text-classification pipeline with <c>ElectraForSequenceClassification</c>: a text or a text pair →
/// labels (from config.json's id2label) with scores. Inputs longer than the model's window are truncated
/// (longest_first).
/// </summary>
/// <example><code>
/// var classify = TextClassification.Load("my-sentiment-model", backend);
/// var label = classify.Run("what a lovely day").Labels[0].Label;
/// </code></example>
public sealed class TextClassification
{
    public PipelineModel Pipeline { get; }

    public TextClassification(PipelineModel pipeline) =>
        Pipeline = pipeline.For(ElectraArchitecture.ElectraForSequenceClassification, "text classification");

    public static TextClassification Load(string modelDirectory, IBackend backend, PipelineSettings? settings = null) =>
        new(PipelineModel.Load(modelDirectory, backend, ElectraArchitecture.ElectraForSequenceClassification, "text classification", settings));

    public TextClassificationResult Run(string text, TextClassificationOptions? options = null) => Run([(text, null)], options)[0];

    public TextClassificationResult Run(string text, string? textPair, TextClassificationOptions? options = null) =>
        Run([(text, textPair)], options)[0];

    public ImmutableArray<TextClassificationResult> Run(IReadOnlyList<string> texts, TextClassificationOptions? options = null) =>
        Run(texts.Select(t => (t, (string?)null)).ToArray(), options);

    public ImmutableArray<TextClassificationResult> Run(IReadOnlyList<(string Text, string? TextPair)> inputs, TextClassificationOptions? options = null) =>
        Prepare(inputs, options).Run();

    /// <summary>The call split at its forward pass (see <see cref="PipelineWork"/>); inputs are tokenized here.</summary>
    public PipelineWork<ImmutableArray<TextClassificationResult>> Prepare(IReadOnlyList<(string Text, string? TextPair)> inputs,
        TextClassificationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var o = options ?? TextClassificationOptions.Default;
        if (o.TopK is < 1) throw new InputException($"top_k must be at least 1, got {o.TopK}");
        var p = Pipeline;
        var encode = new EncodeOptions { Truncation = TruncationStrategy.LongestFirst, MaxLength = p.MaxLength };
        var rows = inputs.Select(input => TokenRow.Of(p.Tokenizer.Encode(input.Text, input.TextPair, encode))).ToList();
        var config = p.Model.Config;
        return p.Work(rows, p.SequenceForward, outputs =>
            inputs.Select((input, i) => new TextClassificationResult(input.Text, input.TextPair,
                Postprocess(outputs[i].Span, config.Id2Label, config.ProblemType, o))).ToImmutableArray());
    }

    /// <summary>The function transformers picks when <c>function_to_apply</c> is not given.</summary>
    public static ClassificationFunction DefaultFunction(string? problemType, int numLabels) => problemType switch
    {
        "regression" => ClassificationFunction.None,
        "multi_label_classification" => ClassificationFunction.Sigmoid,
        _ when numLabels == 1 => ClassificationFunction.Sigmoid,
        "single_label_classification" => ClassificationFunction.Softmax,
        _ when numLabels > 1 => ClassificationFunction.Softmax,
        _ => ClassificationFunction.None,
    };

    /// <summary>The post-processing alone: one row of logits → labels with scores, sorted best first (stable), top_k kept.</summary>
    public static ImmutableArray<LabelScore> Postprocess(ReadOnlySpan<float> logits, IReadOnlyDictionary<int, string> id2Label,
        string? problemType, TextClassificationOptions options)
    {
        var function = options.FunctionToApply == ClassificationFunction.Default
            ? DefaultFunction(problemType, logits.Length)
            : options.FunctionToApply;
        double[] scores = function switch
        {
            ClassificationFunction.Softmax => PipelineMath.Softmax(logits),
            ClassificationFunction.Sigmoid => Doubles(logits, x => PipelineMath.Sigmoid(x)),
            _ => Doubles(logits, x => x),
        };
        var labels = scores
            .Select((s, i) => new LabelScore(id2Label.TryGetValue(i, out var name) ? name : $"LABEL_{i}", s))
            .OrderByDescending(l => l.Score);
        return (options.TopK is int k ? labels.Take(k) : labels).ToImmutableArray();
    }

    private static double[] Doubles(ReadOnlySpan<float> values, Func<double, double> f)
    {
        var result = new double[values.Length];
        for (int i = 0; i < values.Length; i++) result[i] = f(values[i]);
        return result;
    }
}
