using System.Collections.Immutable;
using Electra.Core.Configuration;

namespace Electra.Models.Loading;

/// <summary>The state-dict keys and shapes transformers saves for a config and head class (what a checkpoint must hold).</summary>
public static class StateDictLayout
{
    public static ImmutableArray<(string Key, ImmutableArray<int> Shape)> Expected(ElectraConfig c, ElectraArchitecture architecture)
    {
        var list = new List<(string, ImmutableArray<int>)>();
        string p = architecture == ElectraArchitecture.ElectraModel ? "" : ModelWeightsLoader.BasePrefix;
        void Add(string key, params int[] shape) => list.Add((key, shape.ToImmutableArray()));
        void Linear(string key, int o, int i) { Add(key + ".weight", o, i); Add(key + ".bias", o); }
        void Norm(string key, int n) { Add(key + ".weight", n); Add(key + ".bias", n); }
        int e = c.EmbeddingSize, h = c.HiddenSize;
        Add(p + "embeddings.word_embeddings.weight", c.VocabSize, e);
        Add(p + "embeddings.position_embeddings.weight", c.MaxPositionEmbeddings, e);
        Add(p + "embeddings.token_type_embeddings.weight", c.TypeVocabSize, e);
        Norm(p + "embeddings.LayerNorm", e);
        if (c.HasEmbeddingsProjection) Linear(p + "embeddings_project", h, e);
        for (int l = 0; l < c.NumHiddenLayers; l++)
        {
            var lp = $"{p}encoder.layer.{l}.";
            Linear(lp + "attention.self.query", h, h);
            Linear(lp + "attention.self.key", h, h);
            Linear(lp + "attention.self.value", h, h);
            Linear(lp + "attention.output.dense", h, h);
            Norm(lp + "attention.output.LayerNorm", h);
            Linear(lp + "intermediate.dense", c.IntermediateSize, h);
            Linear(lp + "output.dense", h, c.IntermediateSize);
            Norm(lp + "output.LayerNorm", h);
        }
        switch (architecture)
        {
            case ElectraArchitecture.ElectraForPreTraining:
                Linear("discriminator_predictions.dense", h, h);
                Linear("discriminator_predictions.dense_prediction", 1, h);
                break;
            case ElectraArchitecture.ElectraForMaskedLM or ElectraArchitecture.ElectraForCausalLM:
                Linear("generator_predictions.dense", e, h);
                Norm("generator_predictions.LayerNorm", e);
                Add("generator_lm_head.bias", c.VocabSize);
                if (!c.TieWordEmbeddings) Add("generator_lm_head.weight", c.VocabSize, e);
                break;
            case ElectraArchitecture.ElectraForSequenceClassification:
                Linear("classifier.dense", h, h);
                Linear("classifier.out_proj", c.NumLabels, h);
                break;
            case ElectraArchitecture.ElectraForTokenClassification:
                Linear("classifier", c.NumLabels, h);
                break;
            case ElectraArchitecture.ElectraForQuestionAnswering:
                Linear("qa_outputs", 2, h);
                break;
            case ElectraArchitecture.ElectraForMultipleChoice:
                if (c.SummaryUseProj) Linear("sequence_summary.summary", h, h);
                Linear("classifier", 1, h);
                break;
        }
        return list.ToImmutableArray();
    }
}
