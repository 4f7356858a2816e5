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
    public static Task Detect(HttpContext http, ServerContext s) => ModelRoute.Run(http, s, ServerJson.Tei.DetectRequest,
        req =>
        {
            var texts = Texts(s, req.Inputs);
            var detector = s.Model.Detector ?? throw ApiError.WrongHead("model is not a replaced-token detection model (ElectraForPreTraining)");
            return ModelRoute.Call(texts.Count, Characters(texts), () => detector.Prepare(texts));
        },
        (_, results) => ServerContext.WriteAsync(http, results.Select(r => new DetectResult(r.Text,
            r.Words.Select(w => new DetectWord(w.Word, w.Start, w.End, (float)w.Score)).ToList(),
            r.Tokens.Select(t => new DetectToken(t.Token, (float)t.Score)).ToList())).ToList(), ServerJson.Tei.ListDetectResult));

    public static Task TokenClassify(HttpContext http, ServerContext s) => ModelRoute.Run(http, s, ServerJson.Tei.TokenClassificationRequest,
        req =>
        {
            var texts = Texts(s, req.Inputs);
            var ner = s.Model.TokenClassifier ?? throw ApiError.WrongHead("model is not a token classification model");
            var options = new TokenClassificationOptions(Strategy(req.AggregationStrategy), req.IgnoreLabels);
            return ModelRoute.Call(texts.Count, Characters(texts), () => ner.Prepare(texts, options));
        },
        (_, results) => ServerContext.WriteAsync(http, results.Select(r => r.Entities.Select(e => new EntityResult(
            e.IsGroup ? null : e.Entity, e.IsGroup ? e.Entity : null, (float)e.Score, e.Index, e.Word, e.Start, e.End)).ToList()).ToList(),
            ServerJson.Tei.ListListEntityResult));

    public static Task AnswerQuestion(HttpContext http, ServerContext s) => ModelRoute.Run(http, s, ServerJson.Tei.QuestionAnsweringRequest,
        req =>
        {
            if (req.Question is null) throw ApiError.BadBody("missing field `question`");
            if (req.Context is null) throw ApiError.BadBody("missing field `context`");
            var qa = s.Model.QuestionAnswerer ?? throw ApiError.WrongHead("model is not a question answering model");
            var options = new QuestionAnsweringOptions(req.TopK, req.DocStride, req.MaxAnswerLen, req.MaxSeqLen, req.HandleImpossibleAnswer, req.AlignToWords);
            var input = new QuestionAnsweringInput(req.Question, req.Context);
            return ModelRoute.Call(1, ModelRoute.Characters(req.Question) + ModelRoute.Characters(req.Context), () => qa.Prepare([input], options));
        },
        (_, results) => ServerContext.WriteAsync(http,
            results[0].Answers.Select(a => new AnswerResult((float)a.Score, a.Start, a.End, a.Text)).ToList(), ServerJson.Tei.ListAnswerResult));

    public static Task FillMask(HttpContext http, ServerContext s) => ModelRoute.Run(http, s, ServerJson.Tei.FillMaskRequest,
        req =>
        {
            var texts = Texts(s, req.Inputs);
            var fill = s.Model.MaskFiller ?? throw ApiError.WrongHead("model is not a masked language model (ElectraForMaskedLM)");
            var options = new FillMaskOptions(req.TopK, req.Targets);
            return ModelRoute.Call(texts.Count, Characters(texts), () => fill.Prepare(texts, options));
        },
        (_, results) => ServerContext.WriteAsync(http, results.Select(r => r.Masks.Select(m => m.Candidates.Select(c =>
            new FillMaskCandidateResult((float)c.Score, c.Token, c.TokenStr, c.Sequence)).ToList()).ToList()).ToList(),
            ServerJson.Tei.ListListListFillMaskCandidateResult));

    /// <summary>The request's texts, within --max-client-batch-size (413) and not an empty list (400).</summary>
    private static List<string> Texts(ServerContext s, System.Text.Json.JsonElement inputs)
    {
        var (texts, isBatch) = RequestInputs.Texts(inputs);
        s.CheckBatch(texts.Count, isBatch);
        return texts;
    }

    private static int Characters(IEnumerable<string> texts) => texts.Sum(ModelRoute.Characters);

    private static AggregationStrategy Strategy(string? name) => (name ?? "none").ToLowerInvariant() switch
    {
        "none" => AggregationStrategy.None,
        "simple" => AggregationStrategy.Simple,
        "first" => AggregationStrategy.First,
        "average" => AggregationStrategy.Average,
        "max" => AggregationStrategy.Max,
        var other => throw ApiError.BadBody($"aggregation_strategy: unknown variant `{other}`, expected one of `none`, `simple`, `first`, `average`, `max`"),
    };
}
