using System.Collections.Immutable;
using Electra.Models.Pipelines;

namespace Electra.Tests.Pipelines;

/// <summary>transformers' text-classification post-processing on logits small enough to check by hand.</summary>
public sealed class TextClassificationPostprocessTests
{
    private static readonly ImmutableSortedDictionary<int, string> Labels =
        ImmutableSortedDictionary<int, string>.Empty.Add(0, "negative").Add(1, "neutral").Add(2, "positive");

    [Fact]
    public void SeveralLabelsDefaultToSoftmaxAndTheBestLabel()
    {
        var result = TextClassification.Postprocess([0f, 1f, 3f], Labels, null, TextClassificationOptions.Default);
        var only = Assert.Single(result);
        Assert.Equal("positive", only.Label);
        Assert.Equal(Math.Exp(3) / (1 + Math.E + Math.Exp(3)), only.Score, 12);
    }

    [Fact]
    public void TopKNullReturnsEveryLabelBestFirst()
    {
        var result = TextClassification.Postprocess([2f, 0f, 1f], Labels, null, new TextClassificationOptions(TopK: null));
        Assert.Equal(["negative", "positive", "neutral"], result.Select(l => l.Label));
        Assert.Equal(1.0, result.Sum(l => l.Score), 12);
    }

    [Fact]
    public void OneLabelDefaultsToSigmoid()
    {
        var one = ImmutableSortedDictionary<int, string>.Empty.Add(0, "LABEL_0");
        var result = TextClassification.Postprocess([0.5f], one, null, TextClassificationOptions.Default);
        Assert.Equal(1 / (1 + Math.Exp(-0.5)), Assert.Single(result).Score, 12);
    }

    [Fact]
    public void MultiLabelProblemsUseSigmoidPerLabel()
    {
        var result = TextClassification.Postprocess([2f, -1f, 0f], Labels, "multi_label_classification", new TextClassificationOptions(TopK: null));
        Assert.Equal(["negative", "positive", "neutral"], result.Select(l => l.Label));
        Assert.Equal(1 / (1 + Math.Exp(-2)), result[0].Score, 12);
        Assert.Equal(0.5, result[1].Score, 12);
    }

    [Fact]
    public void RegressionReturnsTheRawLogit()
    {
        var one = ImmutableSortedDictionary<int, string>.Empty.Add(0, "LABEL_0");
        Assert.Equal(3.25, Assert.Single(TextClassification.Postprocess([3.25f], one, "regression", TextClassificationOptions.Default)).Score, 6);
    }

    [Fact]
    public void AnExplicitFunctionOverridesTheRule()
    {
        var result = TextClassification.Postprocess([2f, -1f, 0f], Labels, null, new TextClassificationOptions(TopK: 2, ClassificationFunction.None));
        Assert.Equal([2.0, 0.0], result.Select(l => l.Score));
    }

    [Fact]
    public void MissingLabelNamesFallBackToLabelIndex()
    {
        var result = TextClassification.Postprocess([0f, 5f], ImmutableSortedDictionary<int, string>.Empty, null, TextClassificationOptions.Default);
        Assert.Equal("LABEL_1", Assert.Single(result).Label);
    }
}
