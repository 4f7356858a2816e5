using Electra.Core.Configuration;
using Electra.Core.Errors;
using Electra.Models;

namespace Electra.Tests.Hardening;

/// <summary>Inputs that the coverage-guided fuzzer (tools/afl-fuzz.sh) found crashing, each made here as a file would hold it.</summary>
public sealed class CoverageFuzzFindingTests
{
    // afl-fuzz, config target: an id2label that names two classes alike, without label2id, threw ArgumentException
    // ("same key but a different value") while label2id was inverted from it.
    [Fact]
    public void AnId2LabelNamingTwoClassesAlikeInvertsAsTransformersDoes()
    {
        var config = ElectraConfigJson.Parse("""{"model_type": "electra", "id2label": {"0": "LAB", "1": "LAB"}}""");
        Assert.Equal("LAB", config.Id2Label[0]);
        Assert.Equal("LAB", config.Id2Label[1]);
        Assert.Equal(1, config.Label2Id["LAB"]);   // dict(zip(values, keys)): the later id wins
        Assert.Single(config.Label2Id);
    }

    // transformers walks id2label in the file's order, which save_pretrained writes sorted as strings: "10" before "2".
    [Fact]
    public void TheLaterIdInTheFilesOrderWinsNotTheLargerOne()
    {
        var names = Enumerable.Range(0, 11).ToDictionary(i => i, i => i is 2 or 10 ? "A" : $"L{i}");
        var json = "{\"model_type\": \"electra\", \"id2label\": {" +
                   string.Join(", ", names.Keys.OrderBy(k => k.ToString(), StringComparer.Ordinal).Select(k => $"\"{k}\": \"{names[k]}\"")) + "}}";
        var config = ElectraConfigJson.Parse(json);
        Assert.Equal(2, config.Label2Id["A"]);
        Assert.Equal(10, config.Label2Id.Count);
        // And it survives the round trip the CLI and the fuzzer make.
        Assert.Equal(ElectraConfigJson.ToJson(config), ElectraConfigJson.ToJson(ElectraConfigJson.Parse(ElectraConfigJson.ToJson(config))));
    }

    // afl-fuzz, inputs-json target (with the JSON dictionary, after 277,817 executions): an escaped lone surrogate in a
    // key of inputs.json threw InvalidOperationException out of `electra forward` while the keys were checked.
    [Theory]
    [InlineData("""{"input_i\ud800ds": [[5, 63, 115, 16]]}""")]
    [InlineData("""{"input_ids": [[]], "token_typd_\ud800ids": [[0, 0]]}""")]
    public void ALoneSurrogateInAKeyIsATypedInputError(string json)
    {
        var ex = Assert.Throws<InputException>(() => ModelInputsJson.Parse(json, "inputs.json"));
        Assert.Contains("inputs.json", ex.Message);
        Assert.Contains("not valid Unicode", ex.Message);
    }

    // Two values for one input: which would count is ambiguous, so the file is refused rather than one picked.
    [Fact]
    public void ADuplicateInputKeyIsRefused()
    {
        var ex = Assert.Throws<InputException>(() => ModelInputsJson.Parse("""{"input_ids": [[1, 2]], "input_ids": [[3, 4]]}"""));
        Assert.Contains("duplicate key 'input_ids'", ex.Message);
    }
}
