using Electra.Core.Backend;
using Electra.Core.Configuration;
using Electra.Models.Forward;
using Electra.Models.Loading;

namespace Electra.Models.Heads;

/// <summary>
/// The generator's head, shared by <see cref="MaskedLMHead"/> and <see cref="CausalLMHead"/>:
/// <see cref="ElectraGeneratorPredictions"/> then generator_lm_head [V, E] → <c>logits</c> [B, S, V]. Keys:
/// generator_predictions.*, generator_lm_head.bias, and generator_lm_head.weight unless tie_word_embeddings (then
/// transformers points it at the word-embedding table, whatever the file holds).
/// </summary>
public abstract record LanguageModelingHead(ElectraGeneratorPredictions GeneratorPredictions, LinearWeight GeneratorLmHead) : Head
{
    /// <summary>The generator's weights, made into the head of class <typeparamref name="T"/>.</summary>
    private protected static T Load<T>(WeightReader weights, string bodyPrefix, ElectraConfig config,
        Func<ElectraGeneratorPredictions, LinearWeight, T> make)
    {
        var predictions = ElectraGeneratorPredictions.Load(weights, "generator_predictions", config);
        string weightKey = config.TieWordEmbeddings ? bodyPrefix + "embeddings.word_embeddings.weight" : "generator_lm_head.weight";
        if (config.TieWordEmbeddings) weights.Ignore("generator_lm_head.weight", config.VocabSize, config.EmbeddingSize);
        return make(predictions, weights.Linear(weightKey, "generator_lm_head.bias", config.VocabSize, config.EmbeddingSize));
    }

    internal override void Forward(in HeadRun run, DeviceTensor hidden)
    {
        using var normed = run.Scope(GeneratorPredictions.Forward(run.Pass, hidden));
        using var logits = run.Scope(run.Pass.Linear(normed, GeneratorLmHead));
        run.ReadTokens(logits, "logits");
    }

    internal override RowOutputs ForwardRows(in RowRun run, DeviceTensor hidden)
    {
        using var normed = run.Scope(GeneratorPredictions.Forward(run.Pass, hidden));
        using var logits = run.Scope(run.Pass.Linear(normed, GeneratorLmHead));
        return run.Tokens(logits);
    }
}
