using Electra.Core.Backend;
using Electra.Core.Configuration;
using Electra.Models.Losses;
using Electra.Models.Forward;
using Electra.Models.Loading;

namespace Electra.Models.Heads;

/// <summary>
/// The task head of a transformers <c>ElectraFor...</c> class, on top of <see cref="Layers.ElectraBody"/>: a closed
/// set, one record per class (<see cref="NoHead"/>, <see cref="PreTrainingHead"/>, <see cref="MaskedLMHead"/>,
/// <see cref="CausalLMHead"/>, <see cref="SequenceClassificationHead"/>, <see cref="TokenClassificationHead"/>,
/// <see cref="QuestionAnsweringHead"/>, <see cref="MultipleChoiceHead"/>). Each knows its weights (<c>Load</c>, whose
/// keys are also the state-dict layout, see <see cref="StateDictLayout"/>), its forward, the position the packed
/// planner may read, and its loss; nothing else in the library switches over heads.
/// </summary>
public abstract record Head
{
    private protected Head() { }

    /// <summary>The transformers class this head completes.</summary>
    public abstract ElectraArchitecture Architecture { get; }

    /// <summary>The head's outputs from the last hidden state, written through <paramref name="run"/>.</summary>
    /// <param name="run">The pass, inputs, outputs and packed layout of this forward.</param>
    /// <param name="hidden">[Rows, S, H], or packed [T, H]; stays the caller's. The head releases what it makes.</param>
    internal abstract void Forward(in HeadRun run, DeviceTensor hidden);

    /// <summary>The head's per-row outputs over a ragged batch, whose rows lie end to end in <paramref name="hidden"/>.</summary>
    /// <param name="run">The pass and the batch.</param>
    /// <param name="hidden">The packed last hidden state [T, H]; stays the caller's. The head releases what it makes.</param>
    internal abstract RowOutputs ForwardRows(in RowRun run, DeviceTensor hidden);

    /// <summary>The <see cref="RowOutputs"/> type <see cref="ForwardRows"/> returns: a vector per token unless a head says otherwise.</summary>
    internal virtual Type RowOutputsType => typeof(TokenValues);

    /// <summary>The position every row's output comes from, for the packed planner; per token unless a head says otherwise.</summary>
    internal virtual HeadRead ReadPosition(int seq) => HeadRead.PerToken;

    /// <summary>transformers' loss for this class from its outputs, or null when the inputs carry no labels it uses.</summary>
    internal virtual double? Loss(in LossInputs l) => null;

    /// <summary>Loads the head of <paramref name="architecture"/>: the one place that maps a class name to its head.</summary>
    /// <param name="architecture">The transformers class.</param>
    /// <param name="weights">The checkpoint, or a recorder of the state-dict layout.</param>
    /// <param name="bodyPrefix">"electra." or "" (a tied LM head reads the body's word embeddings).</param>
    /// <param name="config">Sizes and labels.</param>
    internal static Head Load(ElectraArchitecture architecture, WeightReader weights, string bodyPrefix, ElectraConfig config) =>
        architecture switch
        {
            ElectraArchitecture.ElectraModel => new NoHead(),
            ElectraArchitecture.ElectraForPreTraining => PreTrainingHead.Load(weights, config),
            ElectraArchitecture.ElectraForMaskedLM => MaskedLMHead.Load(weights, bodyPrefix, config),
            ElectraArchitecture.ElectraForCausalLM => CausalLMHead.Load(weights, bodyPrefix, config),
            ElectraArchitecture.ElectraForSequenceClassification => SequenceClassificationHead.Load(weights, config),
            ElectraArchitecture.ElectraForTokenClassification => TokenClassificationHead.Load(weights, config),
            ElectraArchitecture.ElectraForQuestionAnswering => QuestionAnsweringHead.Load(weights, config),
            ElectraArchitecture.ElectraForMultipleChoice => MultipleChoiceHead.Load(weights, config),
            _ => throw new Electra.Core.Errors.ConfigException($"head {architecture} is not implemented"),
        };
}
