using Electra.Core.Errors;
using Electra.Cpu;
using Electra.Models;
using Electra.Models.Pipelines;
using Electra.Tests.Support;

namespace Electra.Tests.Pipelines;

/// <summary>
/// classify, ner and qa end to end on the fixture checkpoints (random weights, tiny vocabularies given "w5", "w6" ...
/// words): batching, sorting and padding must give what one unpadded forward pass per input gives, and long QA
/// contexts are split into the windows HF tokenizers make.
/// </summary>
public sealed class FixturePipelineTests : IDisposable
{
    private readonly CpuBackend _backend = new();

    public void Dispose() => _backend.Dispose();

    private PipelineModel Load(string fixture, ElectraArchitecture head, int batchSize = 2)
    {
        var model = ElectraPretrained.Load(SharedData.Fixture(fixture), _backend);
        return new PipelineModel(model, TinyVocab.Numbered(model.Config.VocabSize), new PipelineSettings(batchSize), head, fixture);
    }

    private static string Words(Random random, int count, int vocab) =>
        string.Join(" ", Enumerable.Range(0, count).Select(_ => $"w{random.Next(5, vocab)}"));

    /// <summary>One forward pass of one row, no padding.</summary>
    private static HostOutput Alone(PipelineModel p, int[] ids, int[]? types = null) =>
        new(p.Model.Forward(ModelInputs.FromIds([ids], null, types is null ? null : [types])));

    private sealed record HostOutput(ModelOutput Output)
    {
        public float[] this[string name] => Output[name].ToArray();
    }

    [Fact]
    public void ClassificationOfABatchEqualsOneInputAtATime()
    {
        var p = Load("seqcls_single_label_3", ElectraArchitecture.ElectraForSequenceClassification);
        var classify = new TextClassification(p);
        var random = new Random(5);
        var inputs = new (string, string?)[] { (Words(random, 3, 180), null), (Words(random, 12, 180), Words(random, 4, 180)),
            (Words(random, 1, 180), null), (Words(random, 40, 180), null), (Words(random, 7, 180), null) };
        var results = classify.Run(inputs, new TextClassificationOptions(TopK: null));
        for (int i = 0; i < inputs.Length; i++)
        {
            var e = p.Tokenizer.Encode(inputs[i].Item1, inputs[i].Item2,
                new Electra.Tokenizer.EncodeOptions { Truncation = Electra.Tokenizer.TruncationStrategy.LongestFirst, MaxLength = p.MaxLength });
            var logits = Alone(p, e.InputIds.ToArray(), e.TokenTypeIds.ToArray())["logits"];
            var expected = TextClassification.Postprocess(logits, p.Model.Config.Id2Label, null, new TextClassificationOptions(TopK: null));
            Assert.Equal(expected.Select(l => l.Label), results[i].Labels.Select(l => l.Label));
            for (int k = 0; k < 3; k++) Assert.Equal(expected[k].Score, results[i].Labels[k].Score, 5);
        }
        Assert.Equal(32, p.MaxLength);   // the 40-word input was truncated to max_position_embeddings
        Assert.Single(classify.Run(inputs[0].Item1).Labels);
    }

    [Fact]
    public void TokenClassificationOfABatchEqualsOneInputAtATime()
    {
        var p = Load("tokencls_silu", ElectraArchitecture.ElectraForTokenClassification);
        var ner = new TokenClassification(p);
        var random = new Random(6);
        var texts = new[] { Words(random, 5, 160), Words(random, 20, 160), Words(random, 2, 160) };
        var options = new TokenClassificationOptions(AggregationStrategy.None, []);
        var results = ner.Run(texts, options);
        for (int i = 0; i < texts.Length; i++)
        {
            var e = p.Tokenizer.Encode(texts[i]);
            var expected = TokenClassification.Postprocess(texts[i], e, Alone(p, e.InputIds.ToArray())["logits"], p.Model.Config.Id2Label, p.Tokenizer.UnkTokenId, options);
            Assert.Equal(expected.Select(x => (x.Entity, x.Index, x.Word, x.Start, x.End)), results[i].Entities.Select(x => (x.Entity, x.Index, x.Word, x.Start, x.End)));
            Assert.Equal(expected.Select(x => x.Score), results[i].Entities.Select(x => x.Score), (a, b) => Math.Abs(a - b) < 1e-5);
            Assert.All(results[i].Entities, x => Assert.Equal(x.Word, texts[i][x.Start..x.End]));
        }
        var grouped = ner.Run(texts[1], new TokenClassificationOptions(AggregationStrategy.Simple, []));
        Assert.All(grouped.Entities, g => Assert.True(g.IsGroup));
        Assert.Equal(texts[1].Length, grouped.Entities[^1].End);
    }

    [Fact]
    public void QuestionAnsweringSplitsALongContextIntoStridedWindows()
    {
        var p = Load("qa_positions", ElectraArchitecture.ElectraForQuestionAnswering, batchSize: 3);
        var qa = new QuestionAnswering(p);
        var random = new Random(7);
        string question = Words(random, 3, 140), context = Words(random, 80, 140);
        var options = new QuestionAnsweringOptions(TopK: 4, MaxAnswerLen: 5);
        var result = qa.Run(question, context, options);

        // max_seq_len 32 (max_position_embeddings), doc_stride 16: 26 context tokens per window, a new window every
        // 10 tokens: 0-26, 10-36, ..., 60-80 (7 windows), built here by hand. Each window run alone (padded forward)
        // gives the same answers.
        var c = p.Tokenizer.Encode(context, null, new Electra.Tokenizer.EncodeOptions { AddSpecialTokens = false });
        var q = p.Tokenizer.TokenizeToIds(question);
        var windows = p.Tokenizer.EncodeWindows(question, context, new Electra.Tokenizer.EncodeOptions
        {
            Truncation = Electra.Tokenizer.TruncationStrategy.OnlySecond, MaxLength = 32, Stride = 16, ReturnWords = true,
        });
        Assert.Equal(7, windows.Length);
        var scored = windows.Select((w, k) =>
        {
            var ids = new[] { p.Tokenizer.ClsTokenId }.Concat(q).Append(p.Tokenizer.SepTokenId)
                .Concat(c.InputIds.Skip(10 * k).Take(26)).Append(p.Tokenizer.SepTokenId).ToArray();
            Assert.Equal(ids, w.InputIds.ToArray());
            var types = ids.Select((_, t) => t < q.Length + 2 ? 0 : 1).ToArray();
            var o = Alone(p, ids, types);
            return new QaWindow(w, o["start_logits"], o["end_logits"]);
        }).ToList();
        var expected = QuestionAnswering.Postprocess(context, scored, options);
        Assert.Equal(expected.Select(a => (a.Start, a.End, a.Text)), result.Answers.Select(a => (a.Start, a.End, a.Text)));
        Assert.Equal(expected.Select(a => a.Score), result.Answers.Select(a => a.Score), (a, b) => Math.Abs(a - b) < 1e-5);
        Assert.Equal(4, result.Answers.Length);
        foreach (var a in result.Answers)
        {
            Assert.Equal(context[a.Start..a.End], a.Text);
            Assert.InRange(a.Text.Split(' ').Length, 1, 5);
        }
    }

    [Fact]
    public void QuestionAnsweringRejectsImpossibleSettings()
    {
        var qa = new QuestionAnswering(Load("qa_positions", ElectraArchitecture.ElectraForQuestionAnswering));
        var random = new Random(8);
        var tooLong = Assert.Throws<InputException>(() => qa.Run(Words(random, 40, 140), "w7 w8"));
        Assert.Contains("question has 40 tokens", tooLong.Message);
        var stride = Assert.Throws<InputException>(() => qa.Run("w5", Words(random, 60, 140), new QuestionAnsweringOptions(DocStride: 28)));
        Assert.Contains("doc_stride 28", stride.Message);
        // A context that fits one window still needs a stride the window can take, as before.
        Assert.Contains("doc_stride 28", Assert.Throws<InputException>(() => qa.Run("w5", "w6 w7", new QuestionAnsweringOptions(DocStride: 28))).Message);
        Assert.Throws<InputException>(() => qa.Run("w5", ""));
        Assert.Throws<InputException>(() => qa.Run("w5", "w6", new QuestionAnsweringOptions(TopK: 0)));
    }
}
