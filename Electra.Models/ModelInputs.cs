using Electra.Core.Tensors;

namespace Electra.Models;

/// <summary>
/// Inputs of a forward pass, as transformers names them. Shapes are [B, S] ([B, C, S] for multiple choice).
/// Exactly one of <see cref="InputIds"/> and <see cref="InputsEmbeds"/> ([B, S, E]) is given. Missing masks default
/// as in transformers: attention_mask all ones, token_type_ids zeros, position_ids 0..S−1.
/// </summary>
public sealed record ModelInputs
{
    public HostIntTensor? InputIds { get; init; }
    public HostTensor? InputsEmbeds { get; init; }
    public HostIntTensor? AttentionMask { get; init; }
    public HostIntTensor? TokenTypeIds { get; init; }
    public HostIntTensor? PositionIds { get; init; }

    /// <summary>Integer labels (token classes, class indices, MLM targets with −100 to ignore, 0/1 for pre-training).</summary>
    public HostIntTensor? Labels { get; init; }

    /// <summary>Float labels (regression targets, multi-label 0/1 vectors).</summary>
    public HostTensor? FloatLabels { get; init; }

    /// <summary>Question answering: answer start and end token positions, [B].</summary>
    public HostIntTensor? StartPositions { get; init; }
    public HostIntTensor? EndPositions { get; init; }

    /// <summary>Inputs from ids alone, [B, S] given as rows (ragged rows are an error).</summary>
    public static ModelInputs FromIds(int[][] ids, int[][]? attentionMask = null, int[][]? tokenTypeIds = null) => new()
    {
        InputIds = Rows(ids, nameof(ids)),
        AttentionMask = attentionMask is null ? null : Rows(attentionMask, nameof(attentionMask)),
        TokenTypeIds = tokenTypeIds is null ? null : Rows(tokenTypeIds, nameof(tokenTypeIds)),
    };

    /// <summary>Packs equal-length rows into a [rows, length] tensor.</summary>
    /// <exception cref="Electra.Core.Errors.InputException">rows differ in length or there are none.</exception>
    public static HostIntTensor Rows(int[][] rows, string name)
    {
        if (rows.Length == 0) throw new Electra.Core.Errors.InputException($"{name}: empty batch");
        int width = rows[0].Length;
        var data = new int[rows.Length * width];
        for (int r = 0; r < rows.Length; r++)
        {
            if (rows[r].Length != width)
                throw new Electra.Core.Errors.InputException($"{name}: row {r} has {rows[r].Length} values, row 0 has {width}");
            rows[r].CopyTo(data, r * width);
        }
        return HostIntTensor.Create(data, rows.Length, width);
    }
}

/// <summary>What a forward pass returns besides the head's main outputs.</summary>
/// <param name="OutputHiddenStates">Return the embeddings output and every layer's output.</param>
/// <param name="OutputAttentions">Return every layer's attention probabilities.</param>
public sealed record ForwardOptions(bool OutputHiddenStates = false, bool OutputAttentions = false)
{
    /// <summary>
    /// Skip the work on padding tokens (unpadded, packed execution): positions whose attention_mask is 0 are left out
    /// of every embedding, linear, LayerNorm and attention step, so a padded batch costs what its real tokens cost.
    /// Outputs at real positions and per-row outputs (sequence classification, multiple choice) are those of the padded
    /// computation (a masked key gets exactly zero weight in transformers). Per-token outputs
    /// (last_hidden_state, logits of the pre-training, masked-LM, causal-LM and token-classification heads,
    /// start_logits/end_logits) are <b>0 at every padded position</b>, where transformers computes values nobody
    /// should read; hence off by default, since comparisons with transformers look at every position.
    /// <para>It falls back to the ordinary padded computation (same outputs as with it off) when there is no padding,
    /// when hidden states or attentions are requested, when the inputs carry labels or answer positions (losses read
    /// every position), and for multiple choice with summary_type "mean" (it averages padded positions too).
    /// A row whose pooled position (token 0, or the last token for summary_type "last"/"cls_index") is padding is
    /// computed whole. Incremental decoding (<c>Generation</c>) never skips padding.</para>
    /// </summary>
    public bool SkipPadding { get; init; }

    /// <summary>Options for pipelines and benchmarks that read real positions only: padding is skipped.</summary>
    public static readonly ForwardOptions RealTokensOnly = new() { SkipPadding = true };

    public static readonly ForwardOptions Default = new();
    public static readonly ForwardOptions Everything = new(true, true);
}
