using Electra.Core.Tensors;
using Electra.Models;

namespace Electra.Tests.Packed;

/// <summary>How an output of a padded forward relates to positions: per token ([Rows, S, ·]) or per row.</summary>
internal static class PackedOutputs
{
    public static bool IsPerToken(ElectraArchitecture architecture) => architecture is not
        (ElectraArchitecture.ElectraForSequenceClassification or ElectraArchitecture.ElectraForMultipleChoice);

    /// <summary>Outputs a SkipPadding forward produces (no loss, hidden states or attentions).</summary>
    public static bool IsHeadOutput(string name) =>
        name != "loss" && !name.StartsWith("hidden_states.", StringComparison.Ordinal) &&
        !name.StartsWith("attentions.", StringComparison.Ordinal);

    /// <summary>Values of <paramref name="tensor"/> ([Rows, S, ·] flattened) at positions where the mask is 1 (or 0).</summary>
    public static float[] AtMask(HostTensor tensor, int[] mask, int wanted)
    {
        int width = (int)(tensor.ElementCount / mask.Length);
        var span = tensor.Span;
        var values = new List<float>();
        for (int p = 0; p < mask.Length; p++)
            if (mask[p] == wanted)
                for (int j = 0; j < width; j++) values.Add(span[p * width + j]);
        return [.. values];
    }

    public static ModelInputs WithoutLabels(ModelInputs inputs) =>
        inputs with { Labels = null, FloatLabels = null, StartPositions = null, EndPositions = null };
}
