using Electra.Core.Backend;

namespace Electra.Models.Heads;

/// <summary>The task head on top of <see cref="Layers.ElectraBody"/>; one record per transformers class.</summary>
public abstract record Head;

/// <summary>ElectraModel: no head, the output is the last hidden state.</summary>
public sealed record NoHead : Head;

/// <summary>HF: ElectraDiscriminatorPredictions (ElectraForPreTraining). dense [H, H] → hidden_act → dense_prediction [1, H].</summary>
public sealed record DiscriminatorHead(LinearWeight Dense, Activation Activation, LinearWeight DensePrediction) : Head;

/// <summary>
/// HF: ElectraGeneratorPredictions + generator_lm_head (ElectraForMaskedLM, ElectraForCausalLM):
/// dense [E, H] → GELU → LayerNorm(E) → lm head [V, E] (tied to the word embeddings unless tie_word_embeddings is false).
/// </summary>
public sealed record GeneratorHead(LinearWeight Dense, Layers.LayerNormWeights LayerNorm, LinearWeight LmHead) : Head;

/// <summary>HF: ElectraClassificationHead. Token 0 → dense [H, H] → GELU → out_proj [N, H].</summary>
public sealed record ClassificationHead(LinearWeight Dense, LinearWeight OutProj) : Head;

/// <summary>HF: ElectraForTokenClassification's classifier [N, H].</summary>
public sealed record TokenClassificationHead(LinearWeight Classifier) : Head;

/// <summary>HF: ElectraForQuestionAnswering's qa_outputs [2, H] → start and end logits.</summary>
public sealed record QuestionAnsweringHead(LinearWeight QaOutputs) : Head;

/// <summary>HF: SequenceSummary (first | last | mean | cls_index, optional projection and activation).</summary>
public sealed record SequenceSummary(string SummaryType, LinearWeight? Projection, Activation Activation);

/// <summary>HF: ElectraForMultipleChoice: sequence_summary then classifier [1, H'] per choice.</summary>
public sealed record MultipleChoiceHead(SequenceSummary Summary, LinearWeight Classifier) : Head;
