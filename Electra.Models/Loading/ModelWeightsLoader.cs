using System.Collections.Immutable;
using Electra.Core.Backend;
using Electra.Core.Checkpoints;
using Electra.Core.Configuration;
using Electra.Core.Errors;
using Electra.Models.Heads;
using Electra.Models.Layers;

namespace Electra.Models.Loading;

/// <summary>Builds the layer records of a model from transformers state-dict names.</summary>
public static class ModelWeightsLoader
{
    /// <summary>Base-model tensors live under this prefix for every head class; a bare ElectraModel stores them without it.</summary>
    public const string BasePrefix = "electra.";

    /// <summary>Loads the body and head weights and uploads them to <paramref name="backend"/>.</summary>
    /// <exception cref="WeightMismatchException">a tensor is missing or has the wrong shape (message names key and shapes).</exception>
    public static (ElectraBody Body, Head Head, LoadReport Report) Load(IWeightSource source, ElectraConfig config,
        ElectraArchitecture architecture, IBackend backend)
    {
        var reader = new WeightReader(source, backend);
        var prefix = source.Contains(BasePrefix + "embeddings.word_embeddings.weight") ? BasePrefix : "";
        var body = LoadBody(reader, config, prefix);
        var head = LoadHead(reader, config, architecture);
        var unused = source.Keys.Where(k => !reader.Used.Contains(k)).OrderBy(k => k, StringComparer.Ordinal).ToImmutableArray();
        return (body, head, new LoadReport(unused, prefix)
        {
            NonFiniteWeights = reader.NonFinite.ToImmutableSortedDictionary(StringComparer.Ordinal),
            ParameterCount = reader.ParameterCount,
        });
    }

    private static ElectraBody LoadBody(WeightReader r, ElectraConfig c, string p)
    {
        int e = c.EmbeddingSize, h = c.HiddenSize, i = c.IntermediateSize;
        var embeddings = new Embeddings(
            r.Weight(p + "embeddings.word_embeddings.weight", c.VocabSize, e),
            r.Weight(p + "embeddings.position_embeddings.weight", c.MaxPositionEmbeddings, e),
            r.Weight(p + "embeddings.token_type_embeddings.weight", c.TypeVocabSize, e),
            r.LayerNorm(p + "embeddings.LayerNorm", e, c.LayerNormEps));
        var project = c.HasEmbeddingsProjection ? r.Linear(p + "embeddings_project", h, e) : null;
        var activation = c.HiddenActivation;
        LayerCount.Check(c, r.Source, p);
        var layers = ImmutableArray.CreateBuilder<EncoderLayer>(c.NumHiddenLayers);
        for (int l = 0; l < c.NumHiddenLayers; l++)
        {
            var lp = $"{p}encoder.layer.{l}.";
            // Encoder-layer linears may run in int8 (CpuBackendOptions.Quantization); heads and projections never do.
            const LinearRole Encoder = LinearRole.EncoderLayer;
            layers.Add(new EncoderLayer(
                new SelfAttention(r.Linear(lp + "attention.self.query", h, h, role: Encoder), r.Linear(lp + "attention.self.key", h, h, role: Encoder),
                    r.Linear(lp + "attention.self.value", h, h, role: Encoder), c.NumAttentionHeads),
                new AttentionOutput(r.Linear(lp + "attention.output.dense", h, h, role: Encoder), r.LayerNorm(lp + "attention.output.LayerNorm", h, c.LayerNormEps)),
                new Intermediate(r.Linear(lp + "intermediate.dense", i, h, role: Encoder), activation),
                new LayerOutput(r.Linear(lp + "output.dense", h, i, role: Encoder), r.LayerNorm(lp + "output.LayerNorm", h, c.LayerNormEps))));
        }
        return new ElectraBody(embeddings, project, layers.MoveToImmutable(), c.IsDecoder);
    }

    private static Head LoadHead(WeightReader r, ElectraConfig c, ElectraArchitecture architecture)
    {
        int h = c.HiddenSize, e = c.EmbeddingSize;
        switch (architecture)
        {
            case ElectraArchitecture.ElectraModel:
                return new NoHead();
            case ElectraArchitecture.ElectraForPreTraining:
                return new DiscriminatorHead(r.Linear("discriminator_predictions.dense", h, h), c.HiddenActivation,
                    r.Linear("discriminator_predictions.dense_prediction", 1, h));
            case ElectraArchitecture.ElectraForMaskedLM:
            case ElectraArchitecture.ElectraForCausalLM:
            {
                var dense = r.Linear("generator_predictions.dense", e, h);
                var norm = r.LayerNorm("generator_predictions.LayerNorm", e, c.LayerNormEps);
                // Tied: transformers points generator_lm_head.weight at the word-embedding table, whatever the file holds.
                var lmWeight = c.TieWordEmbeddings
                    ? r.Read($"{(r.Has(BasePrefix + "embeddings.word_embeddings.weight") ? BasePrefix : "")}embeddings.word_embeddings.weight", c.VocabSize, e)
                    : r.Read("generator_lm_head.weight", c.VocabSize, e);
                if (c.TieWordEmbeddings && r.Has("generator_lm_head.weight")) r.Read("generator_lm_head.weight", c.VocabSize, e);
                var lmHead = r.Upload(lmWeight, r.Read("generator_lm_head.bias", c.VocabSize));
                return new GeneratorHead(dense, norm, lmHead);
            }
            case ElectraArchitecture.ElectraForSequenceClassification:
                return new ClassificationHead(r.Linear("classifier.dense", h, h), r.Linear("classifier.out_proj", c.NumLabels, h));
            case ElectraArchitecture.ElectraForTokenClassification:
                return new TokenClassificationHead(r.Linear("classifier", c.NumLabels, h));
            case ElectraArchitecture.ElectraForQuestionAnswering:
                return new QuestionAnsweringHead(r.Linear("qa_outputs", 2, h));
            case ElectraArchitecture.ElectraForMultipleChoice:
            {
                int summaryWidth = SummaryProjectsToLabels(c) ? c.NumLabels : h;
                var projection = c.SummaryUseProj ? r.Linear("sequence_summary.summary", summaryWidth, h) : null;
                var activation = string.IsNullOrEmpty(c.SummaryActivation) ? Activation.Identity : ActivationNames.Parse(c.SummaryActivation);
                var summary = new SequenceSummary(c.SummaryType, projection, activation);
                return new MultipleChoiceHead(summary, r.Linear("classifier", 1, c.SummaryUseProj ? summaryWidth : h));
            }
            default:
                throw new ConfigException($"head {architecture} is not implemented");
        }
    }

    // ElectraConfig has no summary_proj_to_labels; SequenceSummary honours it only when a config carries it anyway.
    private static bool SummaryProjectsToLabels(ElectraConfig c) =>
        c.ExtraFields.TryGetValue("summary_proj_to_labels", out var raw) && raw == "true" && c.NumLabels > 0;
}
