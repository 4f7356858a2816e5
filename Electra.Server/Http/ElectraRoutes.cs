using System.Diagnostics;
using Electra.Models.Pipelines;
using Microsoft.AspNetCore.Http;

namespace Electra.Server.Http;

/// <summary>
/// What ELECTRA does and TEI cannot, in TEI's conventions (an <c>inputs</c> text or list, <c>{"error", "error_type"}</c>
/// errors, 424 on a model with another head): /detect, /token-classification, /question-answering, /fill-mask.
/// Every route answers a list with one result per input.
/// </summary>
internal static class ElectraRoutes
{
    public static async Task Detect(HttpContext http, ServerContext s)
    {
        long start = Stopwatch.GetTimestamp();
        var req = await ServerContext.ReadAsync(http, ServerJson.Tei.DetectRequest);
        var (texts, isBatch) = RequestInputs.Texts(req.Inputs);
        s.CheckBatch(texts.Count, isBatch);
        var detector = s.Model.Detector ?? throw ApiError.WrongHead("model is not a replaced-token detection model (ElectraForPreTraining)");
        var results = await s.RunAsync(http, texts.Count, () => detector.Prepare(texts));
        var body = results.Select(r => new DetectResult(r.Text,
            r.Words.Select(w => new DetectWord(w.Word, w.Start, w.End, (float)w.Score)).ToList(),
            r.Tokens.Select(t => new DetectToken(t.Token, (float)t.Score)).ToList())).ToList();
        s.AddTimingHeaders(http, texts.Sum(t => t.Length), start);
        await ServerContext.WriteAsync(http, body, ServerJson.Tei.ListDetectResult);
    }

    public static async Task TokenClassify(HttpContext http, ServerContext s)
    {
        long start = Stopwatch.GetTimestamp();
        var req = await ServerContext.ReadAsync(http, ServerJson.Tei.TokenClassificationRequest);
        var (texts, isBatch) = RequestInputs.Texts(req.Inputs);
        s.CheckBatch(texts.Count, isBatch);
        var ner = s.Model.TokenClassifier ?? throw ApiError.WrongHead("model is not a token classification model");
        var strategy = (req.AggregationStrategy ?? "none").ToLowerInvariant() switch
        {
            "none" => AggregationStrategy.None,
            "simple" => AggregationStrategy.Simple,
            "first" => AggregationStrategy.First,
            "average" => AggregationStrategy.Average,
            "max" => AggregationStrategy.Max,
            var other => throw ApiError.BadBody($"aggregation_strategy: unknown variant `{other}`, expected one of `none`, `simple`, `first`, `average`, `max`"),
        };
        var options = new TokenClassificationOptions(strategy, req.IgnoreLabels);
        var results = await s.RunAsync(http, texts.Count, () => ner.Prepare(texts, options));
        var body = results.Select(r => r.Entities.Select(e => new EntityResult(
            e.IsGroup ? null : e.Entity, e.IsGroup ? e.Entity : null, (float)e.Score, e.Index, e.Word, e.Start, e.End)).ToList()).ToList();
        s.AddTimingHeaders(http, texts.Sum(t => t.Length), start);
        await ServerContext.WriteAsync(http, body, ServerJson.Tei.ListListEntityResult);
    }

    public static async Task AnswerQuestion(HttpContext http, ServerContext s)
    {
        long start = Stopwatch.GetTimestamp();
        var req = await ServerContext.ReadAsync(http, ServerJson.Tei.QuestionAnsweringRequest);
        if (req.Question is null) throw ApiError.BadBody("missing field `question`");
        if (req.Context is null) throw ApiError.BadBody("missing field `context`");
        var qa = s.Model.QuestionAnswerer ?? throw ApiError.WrongHead("model is not a question answering model");
        var options = new QuestionAnsweringOptions(req.TopK, req.DocStride, req.MaxAnswerLen, req.MaxSeqLen, req.HandleImpossibleAnswer, req.AlignToWords);
        var input = new QuestionAnsweringInput(req.Question, req.Context);
        var results = await s.RunAsync(http, 1, () => qa.Prepare([input], options));
        var body = results[0].Answers.Select(a => new AnswerResult((float)a.Score, a.Start, a.End, a.Text)).ToList();
        s.AddTimingHeaders(http, req.Question.Length + req.Context.Length, start);
        await ServerContext.WriteAsync(http, body, ServerJson.Tei.ListAnswerResult);
    }

    public static async Task FillMask(HttpContext http, ServerContext s)
    {
        long start = Stopwatch.GetTimestamp();
        var req = await ServerContext.ReadAsync(http, ServerJson.Tei.FillMaskRequest);
        var (texts, isBatch) = RequestInputs.Texts(req.Inputs);
        s.CheckBatch(texts.Count, isBatch);
        var fill = s.Model.MaskFiller ?? throw ApiError.WrongHead("model is not a masked language model (ElectraForMaskedLM)");
        var options = new FillMaskOptions(req.TopK, req.Targets);
        var results = await s.RunAsync(http, texts.Count, () => fill.Prepare(texts, options));
        var body = results.Select(r => r.Masks.Select(m => m.Candidates.Select(c =>
            new FillMaskCandidateResult((float)c.Score, c.Token, c.TokenStr, c.Sequence)).ToList()).ToList()).ToList();
        s.AddTimingHeaders(http, texts.Sum(t => t.Length), start);
        await ServerContext.WriteAsync(http, body, ServerJson.Tei.ListListListFillMaskCandidateResult);
    }
}
