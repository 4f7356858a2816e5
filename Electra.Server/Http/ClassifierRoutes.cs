using Electra.Models.Pipelines;
using Microsoft.AspNetCore.Http;

namespace Electra.Server.Http;

/// <summary>TEI's /predict and /rerank, on an <c>ElectraForSequenceClassification</c> model.</summary>
internal static class ClassifierRoutes
{
    public static Task Predict(HttpContext http, ServerContext s)
    {
        bool isBatch = false;   // a batch ([[text], [a, b], ...]) is answered with a list of lists, a text or a pair with one list
        return ModelRoute.Run(http, s, ServerJson.Tei.PredictRequest, req =>
        {
            (var inputs, isBatch) = RequestInputs.Predict(req.Inputs);
            s.CheckBatch(inputs.Count, isBatch);
            var classifier = s.Model.Classifier ?? throw ApiError.WrongHead("model is not a classifier model");
            ServerContext.CheckDirection(req.TruncationDirection);
            foreach (var (text, pair) in inputs) s.CheckInput(text, pair, req.Truncate ?? s.Options.AutoTruncate);
            var options = new TextClassificationOptions(TopK: null, Function(req.RawScores, s.Model.Pipeline.Model.Config.NumLabels));
            return ModelRoute.Call(inputs.Count, inputs.Sum(i => ModelRoute.Characters(i.Text) + (i.Pair is null ? 0 : ModelRoute.Characters(i.Pair))), () => classifier.Prepare(inputs, options));
        },
        (_, results) =>
        {
            var predictions = results.Select(r => Predictions(r.Labels)).ToList();
            return isBatch
                ? ServerContext.WriteAsync(http, predictions, ServerJson.Tei.ListListPrediction)
                : ServerContext.WriteAsync(http, predictions[0], ServerJson.Tei.ListPrediction);
        });
    }

    public static Task Rerank(HttpContext http, ServerContext s) => ModelRoute.Run(http, s, ServerJson.Tei.RerankRequest,
        req =>
        {
            if (req.Query is null) throw ApiError.BadBody("missing field `query`");
            if (req.Texts is null) throw ApiError.BadBody("missing field `texts`");
            if (req.Texts.Count == 0) throw ApiError.EmptyBatch("texts");
            if (!s.Model.IsReranker) throw ApiError.WrongHead("model is not a re-ranker model");
            s.CheckBatch(req.Texts.Count, isBatch: true, "texts");
            ServerContext.CheckDirection(req.TruncationDirection);
            var pairs = req.Texts.Select(t => (req.Query, (string?)t)).ToList();
            foreach (var (text, pair) in pairs) s.CheckInput(text, pair, req.Truncate ?? s.Options.AutoTruncate);
            var options = new TextClassificationOptions(TopK: null, Function(req.RawScores, 1));
            return ModelRoute.Call(pairs.Count, req.Texts.Sum(t => ModelRoute.Characters(t) + ModelRoute.Characters(req.Query)), () => s.Model.Classifier!.Prepare(pairs, options));
        },
        (req, results) =>
        {
            var ranks = new List<Rank>(results.Length);
            for (int i = 0; i < results.Length; i++)
            {
                double score = results[i].Labels[0].Score;
                if (double.IsNaN(score)) throw new ApiError(ErrorType.Backend, "score is NaN");
                ranks.Add(new Rank(i, req.ReturnText ? req.Texts![i] : null, (float)score));
            }
            // TEI sorts ascending (stable) and reverses: equal scores come out last index first.
            return ServerContext.WriteAsync(http, ranks.OrderBy(r => r.Score).Reverse().ToList(), ServerJson.Tei.ListRank);
        });

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
}
