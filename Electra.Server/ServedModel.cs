using Electra.Core.Backend;
using Electra.Models;
using Electra.Models.Pipelines;

namespace Electra.Server;

/// <summary>
/// The model a server runs, with the pipeline its head serves: a sequence classifier serves /predict and /rerank, a
/// discriminator /detect, a generator /fill-mask, a token classifier /token-classification, a span head
/// /question-answering. Routes another head would serve answer 424, as TEI does.
/// </summary>
public sealed class ServedModel
{
    public PipelineModel Pipeline { get; }

    /// <summary>What /info and /v1/embeddings call the model.</summary>
    public string ModelId { get; }

    public ElectraArchitecture Architecture => Pipeline.Model.Architecture;

    internal TextClassification? Classifier { get; }
    internal ReplacedTokenDetection? Detector { get; }
    internal TokenClassification? TokenClassifier { get; }
    internal QuestionAnswering? QuestionAnswerer { get; }
    internal FillMask? MaskFiller { get; }
    internal SentenceEmbedding? Embedder { get; }
    internal FeatureExtraction? Extractor { get; }

    /// <param name="pipeline">The loaded model, tokenizer and settings.</param>
    /// <param name="modelId">What /info reports.</param>
    /// <param name="sentenceConfig">For an <c>ElectraModel</c>: its sentence-transformers configuration (pooling,
    /// prompts, normalisation); null: mean pooling, as sentence-transformers does for a plain transformers folder.</param>
    public ServedModel(PipelineModel pipeline, string modelId, SentenceTransformerConfig? sentenceConfig = null)
    {
        Pipeline = pipeline ?? throw new ArgumentNullException(nameof(pipeline));
        ModelId = modelId;
        switch (pipeline.Model.Architecture)
        {
            case ElectraArchitecture.ElectraForSequenceClassification: Classifier = new(pipeline); break;
            case ElectraArchitecture.ElectraForPreTraining: Detector = new(pipeline); break;
            case ElectraArchitecture.ElectraForTokenClassification: TokenClassifier = new(pipeline); break;
            case ElectraArchitecture.ElectraForQuestionAnswering: QuestionAnswerer = new(pipeline); break;
            case ElectraArchitecture.ElectraForMaskedLM: MaskFiller = new(pipeline); break;
            case ElectraArchitecture.ElectraModel:
                Embedder = new(pipeline, sentenceConfig ?? SentenceTransformerConfig.Default);
                Extractor = new(pipeline);
                break;
        }
    }

    /// <summary>Loads a model folder with the head its checkpoint names (or <paramref name="head"/>) and its tokenizer.</summary>
    /// <remarks>A sentence-transformers folder (modules.json), or <paramref name="head"/> ElectraModel, is served as an
    /// embedding model: its pooling, prompts and max_seq_length come from its configuration files.</remarks>
    public static ServedModel Load(string modelDirectory, IBackend backend, string modelId, ElectraArchitecture? head = null,
        PipelineSettings? settings = null)
    {
        if (head == ElectraArchitecture.ElectraModel || (head is null && File.Exists(Path.Combine(modelDirectory, "modules.json"))))
        {
            var embedder = SentenceEmbedding.Load(modelDirectory, backend, settings);
            return new ServedModel(embedder.Pipeline, modelId, embedder.Config);
        }
        var model = ElectraPretrained.Load(modelDirectory, backend, head);
        var tokenizer = Electra.Tokenizer.BertTokenizer.Load(modelDirectory);
        var pipeline = new PipelineModel(model, tokenizer, settings, model.Architecture, "serving");
        return new ServedModel(pipeline, modelId,
            model.Architecture == ElectraArchitecture.ElectraModel ? SentenceTransformerConfigJson.Load(modelDirectory) : null);
    }

    /// <summary>A single-label sequence classifier: TEI calls it a re-ranker.</summary>
    internal bool IsReranker => Classifier is not null && Pipeline.Model.Config.NumLabels == 1;
}
