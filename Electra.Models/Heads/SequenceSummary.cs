using Electra.Core.Backend;
using Electra.Core.Configuration;
using Electra.Core.Errors;
using Electra.Models.Forward;
using Electra.Models.Loading;

namespace Electra.Models.Heads;

/// <summary>
/// HF: SequenceSummary (modeling_utils.py): one vector per row by <see cref="SummaryType"/> (first | last | mean |
/// cls_index without indices), then the optional projection <see cref="Summary"/> and <see cref="Activation"/>.
/// Keys: {prefix}.summary.* [N', H] when summary_use_proj, where N' is num_labels when the config says
/// summary_proj_to_labels, else hidden_size.
/// </summary>
public sealed record SequenceSummary(string SummaryType, LinearWeight? Summary, Activation Activation)
{
    internal static SequenceSummary Load(WeightReader weights, string prefix, ElectraConfig config)
    {
        int h = config.HiddenSize;
        var projection = config.SummaryUseProj ? weights.Linear(prefix + ".summary", ProjectionWidth(config), h) : null;
        var activation = string.IsNullOrEmpty(config.SummaryActivation) ? Activation.Identity : ActivationNames.Parse(config.SummaryActivation);
        return new SequenceSummary(config.SummaryType, projection, activation);
    }

    /// <summary>
    /// The projection's output width: num_labels when summary_proj_to_labels (a field ElectraConfig does not model,
    /// honoured when a config carries it anyway) and num_labels &gt; 0, else hidden_size.
    /// </summary>
    internal static int ProjectionWidth(ElectraConfig config) =>
        config.ExtraFields.TryGetValue("summary_proj_to_labels", out var raw) && raw == "true" && config.NumLabels > 0
            ? config.NumLabels
            : config.HiddenSize;

    /// <summary>
    /// The position the summary reads in every row, or null for "mean", which pools every position (padding included,
    /// as transformers does).
    /// </summary>
    internal int? Position(int seq) => SummaryType switch
    {
        "first" => 0,
        // cls_index without explicit indices takes the last position, as transformers does.
        "last" or "cls_index" => seq - 1,
        "mean" => null,
        _ => throw new ConfigException($"summary_type '{SummaryType}' is not supported"),
    };

    /// <returns>[Rows, N'], owned by the caller; <paramref name="hidden"/> stays the caller's.</returns>
    internal DeviceTensor Forward(in HeadRun run, DeviceTensor hidden)
    {
        var pass = run.Pass;
        var pooled = Position(run.Seq) is int position ? run.Pick(hidden, position)
            : !run.Packed ? pass.MeanOverSequence(hidden)
            : throw new InvalidOperationException("the packed layout was planned for a summary that pools every position");
        return Project(pass, pooled);
    }

    /// <summary>The summary of each row of a ragged batch (no padding, so "mean" averages the row's own tokens).</summary>
    /// <returns>[N, N'], owned by the caller; <paramref name="hidden"/> [T, H] stays the caller's.</returns>
    internal DeviceTensor ForwardRows(in RowRun run, DeviceTensor hidden)
    {
        var pass = run.Pass;
        var pooled = SummaryType switch
        {
            "first" => run.First(hidden),
            "last" or "cls_index" => run.Last(hidden),
            "mean" => MeanOfRows(pass, hidden, run.Batch),
            _ => throw new ConfigException($"summary_type '{SummaryType}' is not supported"),
        };
        return Project(pass, pooled);
    }

    private static DeviceTensor MeanOfRows(IForwardPass pass, DeviceTensor hidden, RaggedBatch batch)
    {
        var ones = new float[batch.TokenCount];
        Array.Fill(ones, 1f);
        using var weights = pass.Scope(pass.Upload(ones, [ones.Length]));
        return pass.PoolSegments(hidden, weights, batch.RowStarts, SegmentPooling.Mean);
    }

    /// <summary>The optional projection, then the activation; consumes <paramref name="pooled"/>.</summary>
    private DeviceTensor Project(IForwardPass pass, DeviceTensor pooled)
    {
        if (Summary is not null)
        {
            using (pass.Scope(pooled))
                pooled = pass.Linear(pooled, Summary);
        }
        if (Activation == Activation.Identity) return pooled;
        using (pass.Scope(pooled))
            return pass.Activate(pooled, Activation);
    }
}
