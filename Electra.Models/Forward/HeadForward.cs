using Electra.Core.Backend;
using Electra.Models.Heads;

namespace Electra.Models.Forward;

/// <summary>
/// The heads' forward functions: last hidden state [Rows, S, H] → named outputs, written to an <see cref="OutputSink"/>.
/// With a <see cref="PackedLayout"/>, hidden is the packed [T, H]: per-token outputs are scattered back to [Rows, S, ·]
/// with zeros at padded positions, and position reads go through the layout's read index.
/// The head's intermediate tensors are released as soon as they are read; the hidden state stays the caller's.
/// </summary>
internal static class HeadForward
{
    public static void Run(IForwardPass pass, Head head, DeviceTensor hidden, in PreparedInputs inputs, ForwardBuffers buffers,
        OutputSink outputs, PackedLayout? layout = null)
    {
        int rows = inputs.Rows, seq = inputs.Seq;
        switch (head)
        {
            case NoHead:
                ReadTokens(pass, hidden, outputs.Take("last_hidden_state", [rows, seq, hidden.LastDim]), buffers, layout);
                break;
            case DiscriminatorHead d:
            {
                var dense = pass.Linear(hidden, d.Dense, d.Activation);
                var logits = pass.Linear(dense, d.DensePrediction);
                pass.Release(dense);
                ReadTokens(pass, logits, outputs.Take("logits", [rows, seq]), buffers, layout);
                pass.Release(logits);
                break;
            }
            case GeneratorHead g:
            {
                var dense = pass.Linear(hidden, g.Dense, Activation.Gelu);
                var normed = pass.LayerNorm(dense, null, g.LayerNorm.Weight, g.LayerNorm.Bias, g.LayerNorm.Eps);
                pass.Release(dense);
                var logits = pass.Linear(normed, g.LmHead);
                pass.Release(normed);
                ReadTokens(pass, logits, outputs.Take("logits", [rows, seq, logits.LastDim]), buffers, layout);
                pass.Release(logits);
                break;
            }
            case ClassificationHead c:
            {
                var first = Pick(pass, hidden, 0, rows, buffers, layout);
                var dense = pass.Linear(first, c.Dense, Activation.Gelu);
                pass.Release(first);
                var logits = pass.Linear(dense, c.OutProj);
                pass.Release(dense);
                pass.Read(logits, outputs.Take("logits", logits.Shape.AsSpan()));
                pass.Release(logits);
                break;
            }
            case TokenClassificationHead t:
            {
                var logits = pass.Linear(hidden, t.Classifier);
                ReadTokens(pass, logits, outputs.Take("logits", [rows, seq, logits.LastDim]), buffers, layout);
                pass.Release(logits);
                break;
            }
            case QuestionAnsweringHead q:
            {
                var both = pass.Linear(hidden, q.QaOutputs);
                var interleaved = buffers.Tokens(rows * seq * 2);
                ReadTokens(pass, both, interleaved, buffers, layout);
                pass.Release(both);
                var start = outputs.Take("start_logits", [rows, seq]);
                var end = outputs.Take("end_logits", [rows, seq]);
                for (int i = 0; i < rows * seq; i++)
                {
                    start[i] = interleaved[2 * i];
                    end[i] = interleaved[2 * i + 1];
                }
                break;
            }
            case MultipleChoiceHead m:
            {
                var summary = Summarize(pass, m.Summary, hidden, rows, seq, buffers, layout);
                var logits = pass.Linear(summary, m.Classifier);
                pass.Release(summary);
                pass.Read(logits, outputs.Take("logits", [inputs.Batch, inputs.Choices]));
                pass.Release(logits);
                break;
            }
            default:
                throw new NotSupportedException($"head {head.GetType().Name}");
        }
    }

    private static DeviceTensor Summarize(IForwardPass pass, SequenceSummary s, DeviceTensor hidden, int rows, int seq,
        ForwardBuffers buffers, PackedLayout? layout)
    {
        var pooled = SummaryPosition(s, seq) is int position ? Pick(pass, hidden, position, rows, buffers, layout)
            : layout is null ? pass.MeanOverSequence(hidden)
            : throw new InvalidOperationException("the packed layout was planned for a summary that pools every position");
        if (s.Projection is not null)
        {
            var projected = pass.Linear(pooled, s.Projection);
            pass.Release(pooled);
            pooled = projected;
        }
        if (s.Activation == Activation.Identity) return pooled;
        var activated = pass.Activate(pooled, s.Activation);
        pass.Release(pooled);
        return activated;
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
    private static DeviceTensor Pick(IForwardPass pass, DeviceTensor hidden, int position, int rows, ForwardBuffers buffers,
        PackedLayout? layout)
    {
        if (layout is null)
        {
            var positions = pass.UploadInt(buffers.Repeated(position, rows), [rows]);
            var picked = pass.SelectPositions(hidden, positions);
            pass.Release(positions);
            return picked;
        }
        if (layout.ReadIndex.IsEmpty) throw new InvalidOperationException("the packed layout was planned for a per-token head");
        var index = pass.UploadInt(layout.ReadIndex, [rows]);
        var gathered = pass.Gather(hidden, index);
        pass.Release(index);
        return gathered;
    }

    /// <summary>
    /// A per-token output into <paramref name="destination"/> ([Rows, S, X] values): read as it is, or packed [T, X]
    /// scattered back with zeros at the positions that were skipped.
    /// </summary>
    private static void ReadTokens(IForwardPass pass, DeviceTensor t, Span<float> destination, ForwardBuffers buffers,
        PackedLayout? layout)
    {
        if (layout is null)
        {
            pass.Read(t, destination);
            return;
        }
        int width = t.LastDim;
        var packed = buffers.ReadBack(layout.Count * width);
        pass.Read(t, packed);
        layout.Scatter(packed, destination, width);
    }
}
