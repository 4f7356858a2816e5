using Electra.Models.Pipelines;
using Electra.Tokenizer;

namespace Electra.Tests.Pipelines;

/// <summary>transformers' question-answering span decoding and answer mapping on hand-made logits.</summary>
public sealed class QuestionAnsweringPostprocessTests
{
    [Fact]
    public void SpansAreStartTimesEndWithinMaxAnswerLen()
    {
        double[] start = [0, .1, .6, .3], end = [0, .2, .3, .5];
        bool[] all = [true, true, true, true];
        var top = QuestionAnswering.DecodeSpans(start, end, 3, 2, all);
        Assert.Equal([(2, 3), (2, 2), (3, 3)], top.Select(s => (s.Start, s.End)));
        Assert.Equal(.3, top[0].Score, 12);
        var single = QuestionAnswering.DecodeSpans(start, end, 3, 1, all);
        Assert.Equal([(2, 2), (3, 3), (1, 1)], single.Select(s => (s.Start, s.End)));
    }

    [Fact]
    public void UndesiredEndsAreDroppedAfterTheTopKAsInTransformers()
    {
        double[] start = [0, .1, .6, .3], end = [0, .2, .3, .5];
        var top = QuestionAnswering.DecodeSpans(start, end, 3, 2, [true, true, true, false]);
        Assert.Equal([(2, 2)], top.Select(s => (s.Start, s.End)));
    }

    private static readonly BertTokenizer Tok = TinyVocab.Of("where", "par", "##is", "is", "the", "capital", "of", "france", ".");

    private static BertEncoding Plain(string text) => Tok.Encode(text, null, new EncodeOptions { AddSpecialTokens = false });

    private static readonly EncodeOptions WithWords = new() { ReturnWords = true };

    [Theory]
    [InlineData(true, 0, 5, "Paris")]
    [InlineData(false, 3, 5, "is")]
    public void AnswersAreWidenedToWholeWordsUnlessAskedNotTo(bool align, int startChar, int endChar, string text)
    {
        const string context = "Paris is the capital of France.";
        var c = Plain(context);
        Assert.Equal(["par", "##is", "is", "the", "capital", "of", "france", "."], c.Tokens.ToArray());
        int length = 1 + 2 + c.Length + 1;   // [CLS] where [SEP] context [SEP]
        var s = new float[length];
        var e = new float[length];
        s[4] = 10; e[4] = 10;   // both on ##is
        var window = new QaWindow(Tok.Encode("where", context, WithWords), s, e);
        var answer = Assert.Single(QuestionAnswering.Postprocess(context, [window], new QuestionAnsweringOptions(AlignToWords: align)));
        Assert.Equal((startChar, endChar, text), (answer.Start, answer.End, answer.Text));
        double p = Math.Exp(10) / (Math.Exp(10) + c.Length);   // desired: [CLS] and the context tokens
        Assert.Equal(p * p, answer.Score, 10);
    }

    [Fact]
    public void TheBestAnswerOverSeveralWindowsIsMappedBackToTheWholeContext()
    {
        const string context = "a b c d e f g h i j";
        var tok = TinyVocab.Of("q", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j");
        var windows = tok.EncodeWindows("q", context, new EncodeOptions
        {
            Truncation = TruncationStrategy.OnlySecond, MaxLength = 8, Stride = 1, ReturnWords = true,
        });   // 4 context tokens per window: 0-4, 3-7, 6-10
        Assert.Equal(3, windows.Length);
        var scored = windows.Select((w, k) =>
        {
            var s = new float[w.Length];
            var e = new float[w.Length];
            if (k == 2) { s[3 + 1] = 10; e[3 + 2] = 10; }   // window 2 holds g h i j at 3..6: h to i
            return new QaWindow(w, s, e);
        }).ToList();
        var answers = QuestionAnswering.Postprocess(context, scored, new QuestionAnsweringOptions(TopK: 3, HandleImpossibleAnswer: true));
        Assert.Equal("h i", answers[0].Text);
        Assert.Equal((14, 17), (answers[0].Start, answers[0].End));
        double p = Math.Exp(10) / (Math.Exp(10) + 4);
        Assert.Equal(p * p, answers[0].Score, 10);
        Assert.Equal(1.0 / 25, answers[1].Score, 10);   // uniform windows: 1/5 · 1/5
        Assert.Equal(3, answers.Length);
        var withNull = QuestionAnswering.Postprocess(context, scored, new QuestionAnsweringOptions(TopK: 100, HandleImpossibleAnswer: true));
        var empty = Assert.Single(withNull, a => a.Text == "" && a.Score > 0);   // spans touching [CLS] score 0
        double q = 1 / (Math.Exp(10) + 4);
        Assert.Equal(q * q, empty.Score, 14);   // the smallest [CLS]·[CLS] over the windows
        Assert.Equal((0, 0), (empty.Start, empty.End));
    }
}
