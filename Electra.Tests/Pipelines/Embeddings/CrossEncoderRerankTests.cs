using Electra.Core.Errors;
using Electra.Cpu;
using Electra.Models;
using Electra.Models.Pipelines;
using Electra.Tests.Support;

namespace Electra.Tests.Pipelines.Embeddings;

/// <summary>
/// CrossEncoder scoring against transformers' sequence-classification logits (seqcls_regression: one label;
/// seqcls_single_label_3: three), its activation rules, and rank's sorting.
/// </summary>
public sealed class CrossEncoderRerankTests : IDisposable
{
    private readonly CpuBackend _backend = new();

    public void Dispose() => _backend.Dispose();

    private CrossEncoderRerank Load(string fixture, CrossEncoderActivation? activation = null, int batchSize = 2)
    {
        var model = ElectraPretrained.Load(SharedData.Fixture(fixture), _backend);
        var pipeline = new PipelineModel(model, TinyVocab.Numbered(model.Config.VocabSize), new PipelineSettings(batchSize),
            ElectraArchitecture.ElectraForSequenceClassification, fixture);
        return new CrossEncoderRerank(pipeline, activation);
    }

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    [Theory]
    [InlineData("seqcls_regression")]
    [InlineData("seqcls_single_label_3")]
    public void ScoresAreTheActivatedReferenceLogits(string fixture)
    {
        var rows = FixtureRows.Load(fixture);
        var rerank = Load(fixture, batchSize: 1);
        var logits = rerank.Logits(rows.RealRows(), default);
        var reference = rows.Reference["logits"];
        int labels = reference.Shape[1];
        Assert.Equal(labels, rerank.NumLabels);
        for (int r = 0; r < rows.Ids.Length; r++)
        {
            var expectedLogits = reference.Span.Slice(r * labels, labels).ToArray();
            TensorAssert.Close($"logits row {r}", expectedLogits, logits[r], 1e-4, 1e-4);
            var scores = rerank.Scores(logits[r], CrossEncoderActivation.Default, applySoftmax: false);
            // CrossEncoder's default: sigmoid for one label, identity for more.
            var expected = labels == 1 ? expectedLogits.Select(x => (float)Sigmoid(x)).ToArray() : expectedLogits;
            TensorAssert.Close($"scores row {r}", expected, scores.Select(s => (float)s).ToArray(), 1e-4, 1e-4);
            if (labels > 1)
            {
                double max = expectedLogits.Max();
                double sum = expectedLogits.Sum(x => Math.Exp(x - max));
                var softmax = expectedLogits.Select(x => (float)(Math.Exp(x - max) / sum)).ToArray();
                TensorAssert.Close($"softmax row {r}", softmax,
                    rerank.Scores(logits[r], CrossEncoderActivation.Default, applySoftmax: true).Select(s => (float)s).ToArray(), 1e-4, 1e-4);
            }
        }
    }

    [Fact]
    public void ActivationsAndTheSoftmaxRule()
    {
        var one = Load("seqcls_regression");
        var three = Load("seqcls_single_label_3");
        Assert.Equal(CrossEncoderActivation.Sigmoid, one.DefaultActivation);
        Assert.Equal(CrossEncoderActivation.Identity, three.DefaultActivation);
        Assert.Equal(CrossEncoderActivation.Tanh, Load("seqcls_regression", CrossEncoderActivation.Tanh).DefaultActivation);
        Assert.Equal([Math.Tanh(0.5)], one.Scores([0.5f], CrossEncoderActivation.Tanh, false).AsEnumerable());
        Assert.Equal([0.5], one.Scores([0.5f], CrossEncoderActivation.Identity, true).AsEnumerable());   // one score: no softmax
        var s = three.Scores([1f, 2f, 3f], CrossEncoderActivation.Sigmoid, true);           // activation first, then softmax
        double a = Sigmoid(1), b = Sigmoid(2), c = Sigmoid(3), z = Math.Exp(a - c) + Math.Exp(b - c) + 1;
        Assert.Equal(Math.Exp(a - c) / z, s[0], 12);
        Assert.Equal(1 / z, s[2], 12);
    }

    [Fact]
    public void RankSortsByScoreAndKeepsCorpusIds()
    {
        var rerank = Load("seqcls_regression");
        var random = new Random(3);
        var documents = Enumerable.Range(0, 7).Select(_ => string.Join(" ", Enumerable.Range(0, random.Next(1, 12)).Select(_ => $"w{random.Next(5, 100)}"))).ToArray();
        const string query = " w10 w11 ";
        var predictions = rerank.Predict(documents.Select(d => (query, d)).ToArray());
        var ranked = rerank.Rank(query, documents);
        Assert.Equal(documents.Length, ranked.Length);
        Assert.Equal(Enumerable.Range(0, documents.Length).OrderByDescending(i => predictions[i].Score), ranked.Select(r => r.CorpusId));
        Assert.All(ranked, r => Assert.Equal(predictions[r.CorpusId].Score, r.Score));
        Assert.All(ranked, r => Assert.Null(r.Text));
        var top = rerank.Rank(query, documents, new RerankOptions(TopK: 2, ReturnDocuments: true));
        Assert.Equal(ranked.Take(2).Select(r => r.CorpusId), top.Select(r => r.CorpusId));
        Assert.Equal(documents[top[0].CorpusId], top[0].Text);
        // Texts are stripped as CrossEncoder strips them.
        Assert.Equal(predictions[0].Score, rerank.Predict("w10 w11", documents[0]).Score);
        Assert.Throws<InputException>(() => rerank.Rank(query, documents, new RerankOptions(TopK: 0)));
        Assert.Throws<InputException>(() => Load("seqcls_single_label_3").Rank(query, documents));
        Assert.Empty(rerank.Rank(query, []));
    }

    [Fact]
    public void LongPairsAreTruncatedLongestFirst()
    {
        var model = ElectraPretrained.Load(SharedData.Fixture("seqcls_regression"), _backend);
        var pipeline = new PipelineModel(model, TinyVocab.Numbered(model.Config.VocabSize), new PipelineSettings(2, MaxLength: 8),
            ElectraArchitecture.ElectraForSequenceClassification, "test");
        var rerank = new CrossEncoderRerank(pipeline);
        var longDoc = string.Join(" ", Enumerable.Range(20, 40).Select(i => $"w{i}"));
        // 8 tokens: [CLS] q q [SEP] d d d [SEP] — the longer side loses tokens first.
        Assert.Equal(rerank.Predict("w10 w11", "w20 w21 w22").Score, rerank.Predict("w10 w11", longDoc).Score);
    }

    [Fact]
    public void TheActivationSavedInConfigJsonIsRead()
    {
        var dir = Directory.CreateTempSubdirectory("ce-config-").FullName;
        try
        {
            var path = Path.Combine(dir, "config.json");
            File.WriteAllText(path, """{"sentence_transformers": {"activation_fn": "torch.nn.modules.linear.Identity"}}""");
            Assert.Equal(CrossEncoderActivation.Identity, CrossEncoderRerank.ReadActivation(path));
            File.WriteAllText(path, """{"sbert_ce_default_activation_function": "torch.nn.modules.activation.Sigmoid"}""");
            Assert.Equal(CrossEncoderActivation.Sigmoid, CrossEncoderRerank.ReadActivation(path));
            File.WriteAllText(path, """{"num_labels": 1}""");
            Assert.Null(CrossEncoderRerank.ReadActivation(path));
            File.WriteAllText(path, """{"sentence_transformers": {"activation_fn": "torch.nn.modules.activation.GELU"}}""");
            var error = Assert.Throws<ConfigException>(() => CrossEncoderRerank.ReadActivation(path));
            Assert.Contains("sentence_transformers.activation_fn", error.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
