using System.Collections.Immutable;
using Electra.Core.Configuration;
using Electra.Core.Tensors;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Electra.Tests.Core;

/// <summary>
/// HostTensor, HostIntTensor and ElectraConfig are values: equal when their contents are (what F#'s <c>=</c> and
/// dictionary keys rely on), whatever array or copy holds them.
/// </summary>
public sealed class ValueEqualityTests
{
    [Property(MaxTest = 200)]
    public Property TensorsAreEqualExactlyWhenShapeAndValuesAre(NormalFloat[] values, NonNegativeInt changeSeed)
    {
        var data = values.Select(v => (float)v.Get).ToArray();
        var a = new HostTensor([data.Length], data);
        // The same values in another array, and behind an offset: still equal, with equal hash codes.
        var padded = new float[data.Length + 3];
        data.CopyTo(padded, 3);
        var b = new HostTensor(ImmutableArray.Create(data.Length), padded.AsMemory(3));
        bool same = a.Equals(b) && b.Equals(a) && a.GetHashCode() == b.GetHashCode() && a == b;
        bool reshaped = data.Length < 2 || !a.Equals(a.Reshape(1, data.Length));
        bool changed = true;
        if (data.Length > 0)
        {
            var other = (float[])data.Clone();
            int i = changeSeed.Get % data.Length;
            other[i] = other[i] + 1f == other[i] ? float.NaN : other[i] + 1f;
            changed = !a.Equals(new HostTensor([data.Length], other));
        }
        return (same && reshaped && changed).Label($"values [{string.Join(", ", data)}]");
    }

    [Fact]
    public void NanEqualsNanAndZeroEqualsNegativeZeroAsFloatEqualsHas()
    {
        var a = HostTensor.Create([float.NaN, 0f], 2);
        var b = HostTensor.Create([float.NaN, -0f], 2);
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
    }

    [Fact]
    public void IntTensorsCompareByValue()
    {
        var a = HostIntTensor.Create([1, 2, 3, 4], 2, 2);
        Assert.Equal(a, HostIntTensor.Create([1, 2, 3, 4], 2, 2));
        Assert.Equal(a.GetHashCode(), HostIntTensor.Create([1, 2, 3, 4], 2, 2).GetHashCode());
        Assert.NotEqual(a, HostIntTensor.Create([1, 2, 3, 4], 4));
        Assert.NotEqual(a, HostIntTensor.Create([1, 2, 3, 5], 2, 2));
    }

    /// <summary>One change per field a config.json can carry; each makes the configs unequal, as their JSON differs.</summary>
    public static TheoryData<string> ConfigChanges() => [.. Changes.Keys];

    private static readonly ImmutableSortedDictionary<string, Func<ElectraConfig, ElectraConfig>> Changes =
        new Dictionary<string, Func<ElectraConfig, ElectraConfig>>
        {
            ["vocab_size"] = c => c with { VocabSize = c.VocabSize + 1 },
            ["hidden_act"] = c => c with { HiddenAct = "relu" },
            ["layer_norm_eps"] = c => c with { LayerNormEps = 1e-5 },
            ["classifier_dropout"] = c => c with { ClassifierDropout = 0.2 },
            ["architectures"] = c => c with { Architectures = ["ElectraForMaskedLM"] },
            ["id2label"] = c => c with { Id2Label = ElectraConfig.DefaultLabels(3) },
            ["summary_activation"] = c => c with { SummaryActivation = null },
            ["eos_token_id"] = c => c with { EosTokenId = 3 },
            ["is_decoder"] = c => c with { IsDecoder = true },
            ["extra field"] = c => c with { ExtraFields = c.ExtraFields.Add("summary_proj_to_labels", "true") },
        }.ToImmutableSortedDictionary(StringComparer.Ordinal);

    [Theory]
    [MemberData(nameof(ConfigChanges))]
    public void ConfigsAreEqualExactlyWhenTheirJsonIs(string field)
    {
        var a = new ElectraConfig { Architectures = ["ElectraForPreTraining"], ExtraFields = ImmutableSortedDictionary<string, string>.Empty.Add("x", "1") };
        // Rebuilt collections with the same contents: equal, as their config.json is the same.
        var copy = a with { Architectures = [.. a.Architectures], Id2Label = ElectraConfig.DefaultLabels(2), ExtraFields = a.ExtraFields.ToImmutableSortedDictionary() };
        Assert.Equal(ElectraConfigJson.ToJson(a), ElectraConfigJson.ToJson(copy));
        Assert.Equal(a, copy);
        Assert.Equal(a.GetHashCode(), copy.GetHashCode());
        var changed = Changes[field](a);
        Assert.NotEqual(ElectraConfigJson.ToJson(a), ElectraConfigJson.ToJson(changed));
        Assert.NotEqual(a, changed);
    }
}
