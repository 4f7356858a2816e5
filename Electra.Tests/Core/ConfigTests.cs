using Electra.Core.Configuration;
using Electra.Core.Errors;
using Electra.Tests.Support;

namespace Electra.Tests.Core;

public class ConfigTests
{
    [Fact]
    public void EmptyObjectGivesTransformersDefaults()
    {
        var c = ElectraConfigJson.Parse("{}");
        Assert.Equal(new ElectraConfig(), c with { });
        Assert.Equal((30522, 128, 256, 12, 4, 1024), (c.VocabSize, c.EmbeddingSize, c.HiddenSize, c.NumHiddenLayers, c.NumAttentionHeads, c.IntermediateSize));
        Assert.Equal(1e-12, c.LayerNormEps);
        Assert.Equal(2, c.NumLabels);
        Assert.True(c.TieWordEmbeddings);
    }

    [Fact]
    public void FixtureConfigsReadWithLabelsAndExtras()
    {
        var c = ElectraConfigJson.Load(SharedData.Fixture("seqcls_single_label_3"));
        Assert.Equal(3, c.NumLabels);
        Assert.Equal("ElectraForSequenceClassification", c.Architecture);
        var roundTrip = ElectraConfigJson.Parse(ElectraConfigJson.ToJson(c));
        Assert.Equal(c.Id2Label, roundTrip.Id2Label);
        Assert.Equal(c.Label2Id, roundTrip.Label2Id);
        Assert.Equal(ElectraConfigJson.ToJson(c), ElectraConfigJson.ToJson(roundTrip));
    }

    [Fact]
    public void UnknownKeysAreToleratedAndKept()
    {
        var c = ElectraConfigJson.Parse("""{"hidden_size": 64, "num_attention_heads": 4, "my_extension": {"a": [1, 2]}}""");
        Assert.Equal("""{"a":[1,2]}""", c.ExtraFields["my_extension"]);
        Assert.Contains("my_extension", ElectraConfigJson.ToJson(c));
    }

    [Theory]
    [InlineData("""{"position_embedding_type": "relative_key"}""", "position_embedding_type 'relative_key'")]
    [InlineData("""{"hidden_size": 30, "num_attention_heads": 4}""", "hidden_size (30) is not a multiple of num_attention_heads (4)")]
    [InlineData("""{"hidden_size": "big"}""", "field 'hidden_size' must be an integer")]
    [InlineData("""{"hidden_act": "mish2"}""", "unsupported activation 'mish2'")]
    [InlineData("""{"hidden_size": 0}""", "hidden_size must be positive")]
    [InlineData("""{"model_type": "bert"}""", "expected 'electra'")]
    [InlineData("""{"id2label": {"0": "a", "2": "c"}}""", "id2label has no entry for class 1")]
    [InlineData("""not json""", "invalid JSON")]
    public void InvalidConfigsAreRejectedNamingTheField(string json, string expected)
    {
        var ex = Assert.Throws<ConfigException>(() => ElectraConfigJson.Parse(json, "test/config.json"));
        Assert.Contains(expected, ex.Message);
        Assert.Contains("test/config.json", ex.Message);
    }
}
