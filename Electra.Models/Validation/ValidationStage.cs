namespace Electra.Models.Validation;

/// <summary>
/// Where in the network an output comes from, in computation order, numbered like transformers' hidden_states:
/// layer 0 is the embeddings (<c>hidden_states.0</c>), layer i (1..L) is <c>encoder.layer.{i−1}</c>
/// (<c>attentions.{i−1}</c>, <c>hidden_states.i</c>, and <c>last_hidden_state</c> for the last one), and layer L+1 is
/// the head (logits, losses).
/// </summary>
public sealed record ValidationStage(int Index, string ModuleName)
{
    public bool IsHead => ModuleName == HeadName;

    internal const string HeadName = "head";

    /// <summary>"layer 1 (encoder.layer.0)", "layer 0 (embeddings)", "head".</summary>
    public override string ToString() => IsHead ? HeadName : $"layer {Index} ({ModuleName})";

    /// <summary>The stage an output tensor belongs to, given the number of transformer layers.</summary>
    public static ValidationStage Of(string tensorName, int numLayers)
    {
        if (TryIndex(tensorName, "hidden_states.", out int h)) return Layer(h);
        if (TryIndex(tensorName, "attentions.", out int a)) return Layer(a + 1);
        if (tensorName == "last_hidden_state") return Layer(numLayers);
        return new ValidationStage(numLayers + 1, HeadName);
    }

    /// <summary>The number of transformer layers implied by output names (hidden_states.L, attentions.{L−1}).</summary>
    public static int InferLayerCount(IEnumerable<string> tensorNames)
    {
        int layers = 0;
        foreach (var name in tensorNames)
        {
            if (TryIndex(name, "hidden_states.", out int h)) layers = Math.Max(layers, h);
            else if (TryIndex(name, "attentions.", out int a)) layers = Math.Max(layers, a + 1);
        }
        return layers;
    }

    private static ValidationStage Layer(int index) =>
        new(index, index == 0 ? "embeddings" : $"encoder.layer.{index - 1}");

    internal static bool TryIndex(string name, string prefix, out int index)
    {
        index = -1;
        return name.StartsWith(prefix, StringComparison.Ordinal)
            && int.TryParse(name.AsSpan(prefix.Length), System.Globalization.NumberStyles.None, null, out index);
    }
}
