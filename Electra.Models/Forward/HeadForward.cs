using System.Collections.Immutable;
using Electra.Core.Backend;
using Electra.Core.Tensors;
using Electra.Models.Heads;

namespace Electra.Models.Forward;

/// <summary>
/// The heads' forward functions: last hidden state [Rows, S, H] → named outputs (host tensors). With a
/// <see cref="PackedLayout"/>, hidden is the packed [T, H]: per-token outputs are scattered back to [Rows, S, ·] with
/// zeros at padded positions, and position reads go through the layout's read index.
/// </summary>
internal static class HeadForward
{
    public static ImmutableSortedDictionary<string, HostTensor> Run(IForwardPass pass, Head head, DeviceTensor hidden, PreparedInputs inputs,
        PackedLayout? layout = null)
    {
        HostTensor Read(DeviceTensor t) => Tokens(pass, t, inputs, layout);
        var outputs = ImmutableSortedDictionary.CreateBuilder<string, HostTensor>(StringComparer.Ordinal);
        int rows = inputs.Rows, seq = inputs.Seq;
        switch (head)
        {
            case NoHead:
                outputs["last_hidden_state"] = Read(hidden);
                break;
            case DiscriminatorHead d:
            {
                var dense = pass.Linear(hidden, d.Dense, d.Activation);
                var logits = pass.Linear(dense, d.DensePrediction);
                outputs["logits"] = Read(logits).Reshape(rows, seq);
                break;
            }
            case GeneratorHead g:
            {
                var dense = pass.Linear(hidden, g.Dense, Activation.Gelu);
                var normed = pass.LayerNorm(dense, null, g.LayerNorm.Weight, g.LayerNorm.Bias, g.LayerNorm.Eps);
                outputs["logits"] = Read(pass.Linear(normed, g.LmHead));
                break;
            }
            case ClassificationHead c:
            {
                var first = Pick(pass, hidden, 0, rows, layout);
                var dense = pass.Linear(first, c.Dense, Activation.Gelu);
                outputs["logits"] = Whole(pass, pass.Linear(dense, c.OutProj));
                break;
            }
            case TokenClassificationHead t:
                outputs["logits"] = Read(pass.Linear(hidden, t.Classifier));
                break;
            case QuestionAnsweringHead q:
            {
                var both = Read(pass.Linear(hidden, q.QaOutputs)).Span;
                var start = new float[rows * seq];
                var end = new float[rows * seq];
                for (int i = 0; i < rows * seq; i++)
                {
                    start[i] = both[2 * i];
                    end[i] = both[2 * i + 1];
                }
                outputs["start_logits"] = HostTensor.Create(start, rows, seq);
                outputs["end_logits"] = HostTensor.Create(end, rows, seq);
                break;
            }
            case MultipleChoiceHead m:
            {
                var summary = Summarize(pass, m.Summary, hidden, rows, seq, layout);
                var logits = Whole(pass, pass.Linear(summary, m.Classifier));
                outputs["logits"] = logits.Reshape(inputs.Batch, inputs.Choices);
                break;
            }
            default:
                throw new NotSupportedException($"head {head.GetType().Name}");
        }
        return outputs.ToImmutable();
    }

    private static DeviceTensor Summarize(IForwardPass pass, SequenceSummary s, DeviceTensor hidden, int rows, int seq, PackedLayout? layout)
    {
        var pooled = SummaryPosition(s, seq) is int position ? Pick(pass, hidden, position, rows, layout)
            : layout is null ? pass.MeanOverSequence(hidden)
            : throw new InvalidOperationException("the packed layout was planned for a summary that pools every position");
        if (s.Projection is not null) pooled = pass.Linear(pooled, s.Projection);
        return s.Activation == Activation.Identity ? pooled : pass.Activate(pooled, s.Activation);
    }

    /// <summary>
    /// The position a sequence summary reads in every row, or null for "mean", which pools every position
    /// (padding included, as transformers does).
    /// </summary>
    internal static int? SummaryPosition(SequenceSummary s, int seq) => s.SummaryType switch
    {
        "first" => 0,
        // cls_index without explicit indices takes the last position, as transformers does.
        "last" or "cls_index" => seq - 1,
        "mean" => null,
        _ => throw new Electra.Core.Errors.ConfigException($"summary_type '{s.SummaryType}' is not supported"),
    };

    /// <summary>Hidden state of one position per row → [Rows, H].</summary>
    private static DeviceTensor Pick(IForwardPass pass, DeviceTensor hidden, int position, int rows, PackedLayout? layout)
    {
        if (layout is null) return pass.SelectPositions(hidden, pass.UploadInt(Enumerable.Repeat(position, rows).ToArray(), [rows]));
        if (layout.ReadIndex is null) throw new InvalidOperationException("the packed layout was planned for a per-token head");
        return pass.Gather(hidden, pass.UploadInt(layout.ReadIndex, [rows]));
    }

    /// <summary>A per-row output (one value set per input row): read as it is.</summary>
    private static HostTensor Whole(IForwardPass pass, DeviceTensor t) => new(t.Shape, pass.Read(t));

    /// <summary>A per-token output: [Rows, S, X] as it is, or packed [T, X] scattered back to [Rows, S, X].</summary>
    private static HostTensor Tokens(IForwardPass pass, DeviceTensor t, PreparedInputs inputs, PackedLayout? layout)
    {
        if (layout is null) return Whole(pass, t);
        int width = t.LastDim;
        return HostTensor.Create(layout.Scatter(pass.Read(t), inputs.Rows * inputs.Seq, width), inputs.Rows, inputs.Seq, width);
    }
}
