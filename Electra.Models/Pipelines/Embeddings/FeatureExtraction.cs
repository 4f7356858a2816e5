using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Electra.Core.Backend;
using Electra.Core.Errors;
using Electra.Tokenizer;

namespace Electra.Models.Pipelines;

/// <summary>transformers' feature-extraction <c>tokenize_kwargs</c> that matter here.</summary>
/// <param name="Truncation">Cut inputs to <paramref name="MaxLength"/> (longest_first); without it a longer input is an error.</param>
/// <param name="MaxLength">Longest input in tokens, special tokens included; null: the model's window.</param>
public sealed record FeatureExtractionOptions(bool Truncation = false, int? MaxLength = null)
{
    public static FeatureExtractionOptions Default { get; } = new();
}

/// <summary>The last hidden state of every token of one text ([CLS] and [SEP] included).</summary>
/// <param name="Text">The input.</param>
/// <param name="Tokens">The tokens, special tokens included.</param>
/// <param name="HiddenSize">Values per token.</param>
/// <param name="Values">[Tokens, HiddenSize] row-major.</param>
public sealed record FeatureExtractionResult(string Text, ImmutableArray<string> Tokens, int HiddenSize, ImmutableArray<float> Values)
{
    /// <summary>The hidden state of token <paramref name="index"/>.</summary>
    public ReadOnlySpan<float> Token(int index) => Values.AsSpan().Slice(index * HiddenSize, HiddenSize);
}

/// <summary>
/// transformers' feature-extraction pipeline with <c>ElectraModel</c>: per token, the model's last hidden state.
/// Runs sorted by length in batches; padding is not computed.
/// </summary>
/// <example><code>
/// var features = FeatureExtraction.Load("models/electra-tiny-rtd/discriminator", backend);
/// var cls = features.Run("hello world").Token(0);
/// </code></example>
public sealed class FeatureExtraction(PipelineModel pipeline)
    : TextPipeline<FeatureExtractionOptions, FeatureExtractionResult>(pipeline, ElectraArchitecture.ElectraModel, "feature extraction")
{
    /// <summary>Loads the encoder of a model folder (as <c>ElectraModel</c>, whatever head it was saved with).</summary>
    public static FeatureExtraction Load(string modelDirectory, IBackend backend, PipelineSettings? settings = null) =>
        new(PipelineModel.Load(modelDirectory, backend, ElectraArchitecture.ElectraModel, "feature extraction", settings));

    /// <inheritdoc/>
    /// <exception cref="InputException">an input is longer than the window and truncation is off, or max_length is below 2.</exception>
    public override PipelineWork<ImmutableArray<FeatureExtractionResult>> Prepare(IReadOnlyList<string> texts, FeatureExtractionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var o = options ?? FeatureExtractionOptions.Default;
        var p = Pipeline;
        int window = o.MaxLength is int m ? Math.Min(m, p.Model.Config.MaxPositionEmbeddings) : p.MaxLength;
        if (window < 2) throw new InputException($"max_length must leave room for [CLS] and [SEP], got {window}");
        var encode = o.Truncation
            ? new EncodeOptions { Truncation = TruncationStrategy.LongestFirst, MaxLength = window }
            : EncodeOptions.Default;
        var encodings = texts.Select((t, i) =>
        {
            var e = p.Tokenizer.Encode(t ?? throw new ArgumentNullException(nameof(texts), $"text {i} is null"), null, encode);
            if (e.Length > window)
                throw new InputException($"text {i} has {e.Length} tokens, more than the model's {window}; enable truncation");
            return e;
        }).ToArray();
        var rows = encodings.Select(e => TokenRow.Of(e)).ToList();
        int hidden = p.Model.Config.HiddenSize;
        return p.Work(rows, p.TokenForward, outputs =>
            encodings.Select((e, i) => new FeatureExtractionResult(texts[i], e.Tokens, hidden,
                ImmutableCollectionsMarshal.AsImmutableArray(outputs[i].ToArray()))).ToImmutableArray());
    }
}
