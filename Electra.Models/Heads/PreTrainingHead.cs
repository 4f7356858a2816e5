using Electra.Core.Backend;
using Electra.Core.Configuration;
using Electra.Models.Forward;
using Electra.Models.Loading;
using Electra.Models.Losses;

namespace Electra.Models.Heads;

/// <summary>HF: ElectraForPreTraining (the discriminator): <c>logits</c> [B, S], one replaced-token logit per position.</summary>
public sealed record PreTrainingHead(ElectraDiscriminatorPredictions DiscriminatorPredictions) : Head
{
    public override ElectraArchitecture Architecture => ElectraArchitecture.ElectraForPreTraining;

    internal static PreTrainingHead Load(WeightReader weights, ElectraConfig config) =>
        new(ElectraDiscriminatorPredictions.Load(weights, "discriminator_predictions", config));

    internal override void Forward(in HeadRun run, DeviceTensor hidden)
    {
        using var logits = run.Scope(DiscriminatorPredictions.Forward(run.Pass, hidden));
        run.ReadTokens(logits, "logits", keepLastDim: false);
    }

    internal override RowOutputs ForwardRows(in RowRun run, DeviceTensor hidden)
    {
        using var logits = run.Scope(DiscriminatorPredictions.Forward(run.Pass, hidden));
        return run.Tokens(logits);
    }

    /// <summary>BCEWithLogitsLoss over the positions with attention_mask 1 (ElectraForPreTraining.forward).</summary>
    internal override double? Loss(in LossInputs l)
    {
        if (l.TokenLabels() is not { } labels) return null;
        var logits = l.Output("logits");
        var mask = l.Prepared.AttentionMask.Span;
        var kept = new List<float>();
        var targets = new List<float>();
        for (int i = 0; i < logits.Length; i++)
        {
            if (mask[i] != 1) continue;
            kept.Add(logits[i]);
            targets.Add(labels.Span[i]);
        }
        return LossFunctions.BinaryCrossEntropyWithLogits(kept.ToArray(), targets.ToArray());
    }
}
