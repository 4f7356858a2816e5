using Electra.Core.Tensors;
using Electra.Models;
using Electra.Tests.Support;

namespace Electra.Tests.Allocation;

/// <summary>The fixtures a session is checked on, and inputs of another shape made from theirs.</summary>
internal static class SessionInputs
{
    /// <summary>Every shared fixture but the full-size model (fixture-sized models keep these tests fast).</summary>
    public static IEnumerable<string> FixtureNames() =>
        SharedData.CaseNames().Where(n => !n.StartsWith("models/", StringComparison.Ordinal));

    /// <summary>The same inputs twice over along the batch: a new shape whose rows have known outputs. Labels are dropped.</summary>
    public static ModelInputs DoubledBatch(ModelInputs inputs) => new()
    {
        InputIds = Doubled(inputs.InputIds),
        InputsEmbeds = Doubled(inputs.InputsEmbeds),
        AttentionMask = Doubled(inputs.AttentionMask),
        TokenTypeIds = Doubled(inputs.TokenTypeIds),
        PositionIds = Doubled(inputs.PositionIds),
    };

    private static HostIntTensor? Doubled(HostIntTensor? t) =>
        t is null ? null : new HostIntTensor(t.Shape.SetItem(0, t.Shape[0] * 2), (int[])[.. t.Span, .. t.Span]);

    private static HostTensor? Doubled(HostTensor? t) =>
        t is null ? null : new HostTensor(t.Shape.SetItem(0, t.Shape[0] * 2), (float[])[.. t.Span, .. t.Span]);

    /// <summary>Whether any position of the inputs is padding (a packed forward can then skip it).</summary>
    public static bool HasPadding(ModelInputs inputs) => inputs.AttentionMask is { } m && m.Span.Contains(0);

    /// <summary>A deep copy of every output, to compare after the session has overwritten its buffers.</summary>
    public static Dictionary<string, HostTensor> Copy(SessionOutput output) =>
        output.Tensors.ToDictionary(kv => kv.Key, kv => new HostTensor(kv.Value.Shape, kv.Value.ToArray()));
}
