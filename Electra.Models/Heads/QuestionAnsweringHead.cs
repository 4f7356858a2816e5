using Electra.Core.Backend;
using Electra.Core.Configuration;
using Electra.Core.Errors;
using Electra.Core.Tensors;
using Electra.Models.Forward;
using Electra.Models.Loading;
using Electra.Models.Losses;

namespace Electra.Models.Heads;

/// <summary>
/// HF: ElectraForQuestionAnswering: qa_outputs [2, H] at every position → <c>start_logits</c> and <c>end_logits</c>
/// [B, S]. Keys: qa_outputs.*.
/// </summary>
public sealed record QuestionAnsweringHead(LinearWeight QaOutputs) : Head
{
    public override ElectraArchitecture Architecture => ElectraArchitecture.ElectraForQuestionAnswering;

    internal static QuestionAnsweringHead Load(WeightReader weights, ElectraConfig config) =>
        new(weights.Linear("qa_outputs", 2, config.HiddenSize));

    internal override void Forward(in HeadRun run, DeviceTensor hidden)
    {
        int count = run.Rows * run.Seq;
        var interleaved = run.Scratch(count * 2);
        using (var both = run.Scope(run.Pass.Linear(hidden, QaOutputs)))
            run.ReadTokens(both, interleaved);
        var start = run.Take("start_logits", [run.Rows, run.Seq]);
        var end = run.Take("end_logits", [run.Rows, run.Seq]);
        for (int i = 0; i < count; i++)
        {
            start[i] = interleaved[2 * i];
            end[i] = interleaved[2 * i + 1];
        }
    }

    internal override Type RowOutputsType => typeof(StartEndLogits);

    internal override RowOutputs ForwardRows(in RowRun run, DeviceTensor hidden)
    {
        using var both = run.Scope(run.Pass.Linear(hidden, QaOutputs));
        var interleaved = run.Pass.Read(both);
        int count = interleaved.Length / 2;
        var start = new float[count];
        var end = new float[count];
        for (int i = 0; i < count; i++)
        {
            start[i] = interleaved[2 * i];
            end[i] = interleaved[2 * i + 1];
        }
        return new StartEndLogits(new TokenValues(HostTensor.Create(start, count, 1), run.Batch.RowStarts),
            new TokenValues(HostTensor.Create(end, count, 1), run.Batch.RowStarts));
    }

    /// <summary>(start loss + end loss) / 2; positions outside the sequence are clamped to S and then ignored.</summary>
    internal override double? Loss(in LossInputs l)
    {
        if (l.Inputs.StartPositions is not { } start || l.Inputs.EndPositions is not { } end) return null;
        int s = l.Prepared.Seq, rows = l.Prepared.Rows;
        int[] Clamp(HostIntTensor t) => t.Span.ToArray().Select(p => Math.Clamp(p, 0, s)).ToArray();
        if (start.ElementCount != rows || end.ElementCount != rows)
            throw new InputException($"start_positions/end_positions must have {rows} values, got {start.ElementCount} and {end.ElementCount}");
        var startLoss = LossFunctions.CrossEntropy(l.Output("start_logits"), s, Clamp(start), ignoreIndex: s);
        var endLoss = LossFunctions.CrossEntropy(l.Output("end_logits"), s, Clamp(end), ignoreIndex: s);
        return (startLoss + endLoss) / 2;
    }
}
