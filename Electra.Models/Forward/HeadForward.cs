using System.Collections.Immutable;
using Electra.Core.Backend;
using Electra.Core.Tensors;
using Electra.Models.Heads;

namespace Electra.Models.Forward;

/// <summary>The heads' forward functions: last hidden state [Rows, S, H] → named outputs (host tensors).</summary>
internal static class HeadForward
{
    public static ImmutableSortedDictionary<string, HostTensor> Run(IForwardPass pass, Head head, DeviceTensor hidden, PreparedInputs inputs)
    {
        var outputs = ImmutableSortedDictionary.CreateBuilder<string, HostTensor>(StringComparer.Ordinal);
        int rows = inputs.Rows, seq = inputs.Seq;
        switch (head)
        {
            case NoHead:
                outputs["last_hidden_state"] = Read(pass, hidden);
                break;
            case DiscriminatorHead d:
            {
                var dense = pass.Linear(hidden, d.Dense, d.Activation);
                var logits = pass.Linear(dense, d.DensePrediction);
                outputs["logits"] = Read(pass, logits).Reshape(rows, seq);
                break;
            }
            case GeneratorHead g:
            {
                var dense = pass.Linear(hidden, g.Dense, Activation.Gelu);
                var normed = pass.LayerNorm(dense, null, g.LayerNorm.Weight, g.LayerNorm.Bias, g.LayerNorm.Eps);
                outputs["logits"] = Read(pass, pass.Linear(normed, g.LmHead));
                break;
            }
            case ClassificationHead c:
            {
                var first = pass.SelectPositions(hidden, pass.UploadInt(new int[rows], [rows]));
                var dense = pass.Linear(first, c.Dense, Activation.Gelu);
                outputs["logits"] = Read(pass, pass.Linear(dense, c.OutProj));
                break;
            }
            case TokenClassificationHead t:
                outputs["logits"] = Read(pass, pass.Linear(hidden, t.Classifier));
                break;
            case QuestionAnsweringHead q:
            {
                var both = Read(pass, pass.Linear(hidden, q.QaOutputs)).Span;
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
                var summary = Summarize(pass, m.Summary, hidden, rows, seq);
                var logits = Read(pass, pass.Linear(summary, m.Classifier));
                outputs["logits"] = logits.Reshape(inputs.Batch, inputs.Choices);
                break;
            }
            default:
                throw new NotSupportedException($"head {head.GetType().Name}");
        }
        return outputs.ToImmutable();
    }

    private static DeviceTensor Summarize(IForwardPass pass, SequenceSummary s, DeviceTensor hidden, int rows, int seq)
    {
        var pooled = s.SummaryType switch
        {
            "first" => pass.SelectPositions(hidden, pass.UploadInt(new int[rows], [rows])),
            // cls_index without explicit indices takes the last position, as transformers does.
            "last" or "cls_index" => pass.SelectPositions(hidden, pass.UploadInt(Enumerable.Repeat(seq - 1, rows).ToArray(), [rows])),
            "mean" => pass.MeanOverSequence(hidden),
            _ => throw new Electra.Core.Errors.ConfigException($"summary_type '{s.SummaryType}' is not supported"),
        };
        if (s.Projection is not null) pooled = pass.Linear(pooled, s.Projection);
        return s.Activation == Activation.Identity ? pooled : pass.Activate(pooled, s.Activation);
    }

    private static HostTensor Read(IForwardPass pass, DeviceTensor t) =>
        new(t.Shape, pass.Read(t));
}
