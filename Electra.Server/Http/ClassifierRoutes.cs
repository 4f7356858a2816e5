using System.Diagnostics;
using Electra.Models.Pipelines;
using Microsoft.AspNetCore.Http;

namespace Electra.Server.Http;

/// <summary>TEI's /predict and /rerank, on an <c>ElectraForSequenceClassification</c> model.</summary>
internal static class ClassifierRoutes
{
    public static async Task Predict(HttpContext http, ServerContext s)
    {
        long start = Stopwatch.GetTimestamp();
        var req = await ServerContext.ReadAsync(http, ServerJson.Tei.PredictRequest);
        var (inputs, isBatch) = RequestInputs.Predict(req.Inputs);
        s.CheckBatch(inputs.Count, isBatch);
        var classifier = s.Model.Classifier ?? throw ApiError.WrongHead("model is not a classifier model");
        ServerContext.CheckDirection(req.TruncationDirection);
        foreach (var (text, pair) in inputs) CheckInput(s, text, pair, req.Truncate ?? s.Options.AutoTruncate);
        var options = new TextClassificationOptions(TopK: null, Function(req.RawScores, s.Model.Pipeline.Model.Config.NumLabels));
        var results = await s.RunAsync(http, inputs.Count, () => classifier.Prepare(inputs, options));
        var predictions = results.Select(r => Predictions(r.Labels)).ToList();
        s.AddTimingHeaders(http, inputs.Sum(i => i.Text.Length + (i.Pair?.Length ?? 0)), start);
        if (isBatch) await ServerContext.WriteAsync(http, predictions, ServerJson.Tei.ListListPrediction);
        else await ServerContext.WriteAsync(http, predictions[0], ServerJson.Tei.ListPrediction);
    }

    public static async Task Rerank(HttpContext http, ServerContext s)
    {
        long start = Stopwatch.GetTimestamp();
        var req = await ServerContext.ReadAsync(http, ServerJson.Tei.RerankRequest);
        if (req.Query is null) throw ApiError.BadBody("missing field `query`");
        if (req.Texts is null) throw ApiError.BadBody("missing field `texts`");
        if (req.Texts.Count == 0) throw ApiError.EmptyBatch("texts");
        if (!s.Model.IsReranker) throw ApiError.WrongHead("model is not a re-ranker model");
        s.CheckBatch(req.Texts.Count, isBatch: true, "texts");
        ServerContext.CheckDirection(req.TruncationDirection);
        var pairs = req.Texts.Select(t => (req.Query, (string?)t)).ToList();
        foreach (var (text, pair) in pairs) CheckInput(s, text, pair, req.Truncate ?? s.Options.AutoTruncate);
        var options = new TextClassificationOptions(TopK: null, Function(req.RawScores, 1));
        var results = await s.RunAsync(http, pairs.Count, () => s.Model.Classifier!.Prepare(pairs, options));
        var ranks = new List<Rank>(results.Length);
        for (int i = 0; i < results.Length; i++)
        {
            double score = results[i].Labels[0].Score;
            if (double.IsNaN(score)) throw new ApiError(ErrorType.Backend, "score is NaN");
            ranks.Add(new Rank(i, req.ReturnText ? req.Texts[i] : null, (float)score));
        }
        // TEI sorts ascending (stable) and reverses: equal scores come out last index first.
        ranks = ranks.OrderBy(r => r.Score).Reverse().ToList();
        s.AddTimingHeaders(http, req.Texts.Sum(t => t.Length + req.Query.Length), start);
        await ServerContext.WriteAsync(http, ranks, ServerJson.Tei.ListRank);
    }

    /// <summary>TEI's scores: raw logits, else sigmoid for one label and softmax for several.</summary>
    private static ClassificationFunction Function(bool raw, int labels) =>
        raw ? ClassificationFunction.None : labels == 1 ? ClassificationFunction.Sigmoid : ClassificationFunction.Softmax;

    private static List<Prediction> Predictions(IEnumerable<LabelScore> labels)
    {
        var list = new List<Prediction>();
        foreach (var l in labels)
        {
            if (double.IsNaN(l.Score)) throw new ApiError(ErrorType.Backend, "score is NaN");
            list.Add(new Prediction((float)l.Score, l.Label));
        }
        // TEI: sorted ascending by score, then reversed.
        return list.OrderBy(p => p.Score).Reverse().ToList();
    }

    /// <summary>TEI's checks before tokenizing for the model: not empty, and within the window unless truncating.</summary>
    internal static void CheckInput(ServerContext s, string text, string? pair, bool truncate)
    {
        if (text.Length == 0 && string.IsNullOrEmpty(pair))
            throw new ApiError(ErrorType.Empty, "Input validation error: `inputs` cannot be empty");
        if (truncate) return;
        var p = s.Model.Pipeline;
        int length = p.Tokenizer.Encode(text, pair).Length;
        if (length > p.MaxLength) throw ApiError.TooLong(p.MaxLength, length);
    }
}
