using System.Net;
using System.Text.Json;
using Electra.Models.Pipelines;
using Electra.Server;
using static Electra.Tests.Server.HttpJson;

namespace Electra.Tests.Server;

/// <summary>
/// Every route through a real HttpClient against Kestrel on a free loopback port: TEI's payload shapes, error codes
/// and bodies (router/src/http/types.rs, server.rs), and answers equal to the in-process pipelines'.
/// </summary>
public sealed class ServerRouteTests(ServerModels models) : IClassFixture<ServerModels>
{
    [Fact]
    public async Task PredictAnswersTeiShapesWithTheInProcessScores()
    {
        await using var run = await RunningServer.StartAsync(models.Classifier);
        var classify = models.Classifier.Classifier!;
        var all = new TextClassificationOptions(TopK: null, ClassificationFunction.Softmax);

        // A single text: a flat list of {score, label}, best first.
        var (status, body, response) = await Post(run.Client, "/predict", """{"inputs": "w5 w9 w12"}""");
        Assert.Equal(HttpStatusCode.OK, status);
        var expected = classify.Run("w5 w9 w12", all);
        Assert.Equal(3, body.GetArrayLength());
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(["label", "score"], body[i].EnumerateObject().Select(p => p.Name).OrderBy(n => n, StringComparer.Ordinal));
            Assert.Equal(expected.Labels[i].Label, body[i].GetProperty("label").GetString());
            Assert.Equal((float)expected.Labels[i].Score, body[i].GetProperty("score").GetSingle());
        }
        Assert.True(response.Headers.Contains("x-compute-tokens"));
        Assert.Equal("cpu", response.Headers.GetValues("x-compute-type").Single());

        // A pair [a, b]: one prediction list for the pair.
        (status, body, _) = await Post(run.Client, "/predict", """{"inputs": ["w5 w6", "w7 w8 w9"]}""");
        Assert.Equal(HttpStatusCode.OK, status);
        var pair = classify.Run("w5 w6", "w7 w8 w9", all);
        Assert.Equal((float)pair.Labels[0].Score, body[0].GetProperty("score").GetSingle());

        // A batch of [text] and [a, b]: a list of lists in input order.
        (status, body, _) = await Post(run.Client, "/predict", """{"inputs": [["w5 w6"], ["w7", "w8 w9"], ["w10 w11 w12 w13"]], "raw_scores": true}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(3, body.GetArrayLength());
        var raw = classify.Run([("w5 w6", null), ("w7", "w8 w9"), ("w10 w11 w12 w13", null)],
            new TextClassificationOptions(TopK: null, ClassificationFunction.None));
        for (int i = 0; i < 3; i++)
            for (int k = 0; k < 3; k++)
            {
                Assert.Equal(raw[i].Labels[k].Label, body[i][k].GetProperty("label").GetString());
                Assert.Equal((float)raw[i].Labels[k].Score, body[i][k].GetProperty("score").GetSingle());
            }
    }

    [Fact]
    public async Task PredictTruncatesOnlyWhenAskedAndChecksBatchSizes()
    {
        await using var run = await RunningServer.StartAsync(models.Classifier, new ServerOptions(MaxClientBatchSize: 2));
        string longText = ServerModels.Words(new Random(3), 40, 180);   // 42 tokens > max_position_embeddings 32

        var (status, body, _) = await Post(run.Client, "/predict", $$"""{"inputs": {{Str(longText)}}}""");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        AssertError(body, "Validation", "Input validation error: `inputs` must have less than 32 tokens. Given: 42");

        (status, body, _) = await Post(run.Client, "/predict", $$"""{"inputs": {{Str(longText)}}, "truncate": true}""");
        Assert.Equal(HttpStatusCode.OK, status);
        var truncated = models.Classifier.Classifier!.Run(longText, new TextClassificationOptions(TopK: null, ClassificationFunction.Softmax));
        Assert.Equal((float)truncated.Labels[0].Score, body[0].GetProperty("score").GetSingle());

        (status, body, _) = await Post(run.Client, "/predict", """{"inputs": [["w5"], ["w6"], ["w7"]]}""");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        AssertError(body, "Validation", "batch size 3 > maximum allowed batch size 2");

        (status, body, _) = await Post(run.Client, "/predict", """{"inputs": ""}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        AssertError(body, "Empty", "`inputs` cannot be empty");

        (status, body, _) = await Post(run.Client, "/predict", """{"inputs": ["a", "b", "c"]}""");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        AssertError(body, "Validation", "Failed to deserialize the JSON body");

        (status, body, _) = await Post(run.Client, "/predict", """{"inputs": "w5", "truncation_direction": "sideways"}""");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);

        (status, body, _) = await Post(run.Client, "/predict", """{"truncate": true}""");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        AssertError(body, "Validation", "missing field `inputs`");

        (status, body, _) = await Post(run.Client, "/predict", """{"inputs": "\ud800"}""");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);

        (status, body, _) = await Post(run.Client, "/predict", "{not json");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        AssertError(body, "Validation");
    }

    [Fact]
    public async Task RoutesOfAnotherHeadAnswer424()
    {
        await using var run = await RunningServer.StartAsync(models.Detector);
        var (status, body, _) = await Post(run.Client, "/predict", """{"inputs": "hello"}""");
        Assert.Equal(HttpStatusCode.FailedDependency, status);
        AssertError(body, "Backend", "model is not a classifier model");
        (status, body, _) = await Post(run.Client, "/rerank", """{"query": "a", "texts": ["b"]}""");
        Assert.Equal(HttpStatusCode.FailedDependency, status);
        AssertError(body, "Backend", "model is not a re-ranker model");
        (status, body, _) = await Post(run.Client, "/fill-mask", """{"inputs": "a [MASK]"}""");
        Assert.Equal(HttpStatusCode.FailedDependency, status);
        (status, _, _) = await Post(run.Client, "/no-such-route", "{}");
        Assert.Equal(HttpStatusCode.NotFound, status);
    }

    [Fact]
    public async Task RerankSortsByScoreWithIndexAndOptionalText()
    {
        await using var run = await RunningServer.StartAsync(models.Reranker);
        var texts = new[] { "w5 w6 w7", "w8", "w9 w10", "w11 w12 w13 w14" };
        var (status, body, _) = await Post(run.Client, "/rerank",
            $$"""{"query": "w20 w21", "texts": {{JsonSerializer.Serialize(texts)}}, "return_text": true}""");
        Assert.Equal(HttpStatusCode.OK, status);
        var scores = models.Reranker.Classifier!.Run(texts.Select(t => ("w20 w21", (string?)t)).ToArray(),
            new TextClassificationOptions(TopK: null, ClassificationFunction.Sigmoid));
        Assert.Equal(4, body.GetArrayLength());
        var seen = new HashSet<int>();
        float previous = float.PositiveInfinity;
        foreach (var rank in body.EnumerateArray())
        {
            int index = rank.GetProperty("index").GetInt32();
            Assert.True(seen.Add(index));
            float score = rank.GetProperty("score").GetSingle();
            Assert.Equal((float)scores[index].Labels[0].Score, score);
            Assert.True(score <= previous);
            previous = score;
            Assert.Equal(texts[index], rank.GetProperty("text").GetString());
        }
        (status, body, _) = await Post(run.Client, "/rerank", """{"query": "w20", "texts": ["w5"]}""");
        Assert.False(body[0].TryGetProperty("text", out _));   // no "text" unless return_text
        (status, body, _) = await Post(run.Client, "/rerank", """{"query": "w20", "texts": []}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        AssertError(body, "Empty", "`texts` cannot be empty");
    }

    [Fact]
    public async Task TokenizeAndDecodeAsTei()
    {
        await using var run = await RunningServer.StartAsync(models.Detector);
        var (status, body, _) = await Post(run.Client, "/tokenize", """{"inputs": "Héllo world"}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(1, body.GetArrayLength());   // always a list of token lists
        var tokens = body[0];
        var cls = tokens[0];
        Assert.True(cls.GetProperty("special").GetBoolean());
        Assert.Equal("[CLS]", cls.GetProperty("text").GetString());
        Assert.Equal(JsonValueKind.Null, cls.GetProperty("start").ValueKind);
        var tokenizer = models.Detector.Pipeline.Tokenizer;
        var encoding = tokenizer.Encode("Héllo world");
        Assert.Equal(encoding.Length, tokens.GetArrayLength());
        for (int i = 0; i < encoding.Length; i++) Assert.Equal(encoding.InputIds[i], tokens[i].GetProperty("id").GetInt32());
        // "world" starts at UTF-16 index 6 but UTF-8 byte 7 (é is two bytes): TEI's offsets are bytes.
        var world = tokens.EnumerateArray().Single(t => t.GetProperty("text").GetString() == "world");
        Assert.Equal(7, world.GetProperty("start").GetInt32());
        Assert.Equal(12, world.GetProperty("stop").GetInt32());
        Assert.False(world.GetProperty("special").GetBoolean());

        (status, body, _) = await Post(run.Client, "/tokenize", """{"inputs": ["a b", "c"], "add_special_tokens": false}""");
        Assert.Equal(2, body.GetArrayLength());
        Assert.Equal(2, body[0].GetArrayLength());

        var ids = encoding.InputIds.ToArray();
        (status, body, _) = await Post(run.Client, "/decode", $$"""{"ids": {{JsonSerializer.Serialize(ids)}}}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(tokenizer.Decode(ids, skipSpecialTokens: true), body[0].GetString());
        (status, body, _) = await Post(run.Client, "/decode", $$"""{"ids": [{{JsonSerializer.Serialize(ids)}}, [5]], "skip_special_tokens": false}""");
        Assert.Equal(tokenizer.Decode(ids), body[0].GetString());
        Assert.Equal(2, body.GetArrayLength());
        (status, body, _) = await Post(run.Client, "/decode", """{"ids": [99999999]}""");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        AssertError(body, "Tokenizer");
    }

    [Fact]
    public async Task HealthInfoAndMetrics()
    {
        await using var run = await RunningServer.StartAsync(models.Classifier, new ServerOptions(MaxBatchTokens: 1000, MaxClientBatchSize: 7));
        var (status, _) = await Get(run.Client, "/health");
        Assert.Equal(HttpStatusCode.OK, status);
        (status, var info) = await Get(run.Client, "/info");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("seqcls_single_label_3", info.GetProperty("model_id").GetString());
        Assert.Equal(32, info.GetProperty("max_input_length").GetInt32());
        Assert.Equal(1000, info.GetProperty("max_batch_tokens").GetInt32());
        Assert.Equal(7, info.GetProperty("max_client_batch_size").GetInt32());
        Assert.Equal(512, info.GetProperty("max_concurrent_requests").GetInt32());
        Assert.Equal(JsonValueKind.Null, info.GetProperty("max_batch_requests").ValueKind);
        Assert.False(info.GetProperty("auto_truncate").GetBoolean());
        Assert.Equal("float32", info.GetProperty("model_dtype").GetString());
        Assert.Equal("LABEL_2", info.GetProperty("model_type").GetProperty("classifier").GetProperty("id2label").GetProperty("2").GetString());
        Assert.Equal(1, info.GetProperty("model_type").GetProperty("classifier").GetProperty("label2id").GetProperty("LABEL_1").GetInt32());
        foreach (var field in new[] { "model_sha", "tokenization_workers", "version", "sha", "docker_label" }) Assert.True(info.TryGetProperty(field, out _), field);

        await Post(run.Client, "/predict", """{"inputs": "w5"}""");
        await Post(run.Client, "/predict", """{"inputs": ""}""");
        var text = await run.Client.GetStringAsync("/metrics");
        Assert.Contains("electra_requests_total{route=\"/predict\",status=\"200\"} 1\n", text);
        Assert.Contains("electra_requests_total{route=\"/predict\",status=\"400\"} 1\n", text);
        Assert.Contains("# TYPE electra_queue_size gauge\nelectra_queue_size 0\n", text);
        Assert.Contains("electra_batch_tokens_bucket{le=\"4\"} 1\n", text);   // [CLS] w5 [SEP]: 3 tokens
        Assert.Contains("electra_batch_size_count 1\n", text);
        foreach (var h in new[] { "electra_queue_duration_seconds", "electra_inference_duration_seconds", "electra_tokenization_duration_seconds" })
            Assert.Contains($"{h}_count 1\n", text);
    }

    [Fact]
    public async Task DetectAndFillMaskEqualTheCommandsPipelines()
    {
        await using (var run = await RunningServer.StartAsync(models.Detector))
        {
            var (status, body, _) = await Post(run.Client, "/detect", """{"inputs": ["The quick brown fox fake over the lazy dog", "He sat by the fire."]}""");
            Assert.Equal(HttpStatusCode.OK, status);
            var expected = models.Detector.Detector!.Run(["The quick brown fox fake over the lazy dog", "He sat by the fire."]);
            for (int i = 0; i < 2; i++)
            {
                Assert.Equal(["text", "tokens", "words"], body[i].EnumerateObject().Select(p => p.Name).OrderBy(n => n, StringComparer.Ordinal));
                var words = body[i].GetProperty("words");
                Assert.Equal(expected[i].Words.Length, words.GetArrayLength());
                for (int w = 0; w < expected[i].Words.Length; w++)
                {
                    Assert.Equal(expected[i].Words[w].Word, words[w].GetProperty("word").GetString());
                    Assert.Equal(expected[i].Words[w].Start, words[w].GetProperty("start").GetInt32());
                    Assert.Equal((float)expected[i].Words[w].Score, words[w].GetProperty("score").GetSingle());
                }
                Assert.Equal(expected[i].Tokens.Length, body[i].GetProperty("tokens").GetArrayLength());
            }
            Assert.Equal("fake", body[0].GetProperty("words").EnumerateArray().MaxBy(w => w.GetProperty("score").GetSingle()).GetProperty("word").GetString());
        }
        await using (var run = await RunningServer.StartAsync(models.Generator))
        {
            var (status, body, _) = await Post(run.Client, "/fill-mask", """{"inputs": "the quick brown fox [MASK] over the lazy dog.", "top_k": 3}""");
            Assert.Equal(HttpStatusCode.OK, status);
            var expected = models.Generator.MaskFiller!.Run("the quick brown fox [MASK] over the lazy dog.", new FillMaskOptions(TopK: 3));
            var candidates = body[0][0];
            Assert.Equal(3, candidates.GetArrayLength());
            for (int k = 0; k < 3; k++)
            {
                Assert.Equal(expected.Masks[0].Candidates[k].TokenStr, candidates[k].GetProperty("token_str").GetString());
                Assert.Equal(expected.Masks[0].Candidates[k].Sequence, candidates[k].GetProperty("sequence").GetString());
                Assert.Equal((float)expected.Masks[0].Candidates[k].Score, candidates[k].GetProperty("score").GetSingle());
            }
            (status, body, _) = await Post(run.Client, "/fill-mask", """{"inputs": "no mask here"}""");
            Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
            AssertError(body, "Validation", "no mask token");
        }
    }

    [Fact]
    public async Task TokenClassificationAndQuestionAnswering()
    {
        await using (var run = await RunningServer.StartAsync(models.TokenClassifier))
        {
            var (status, body, _) = await Post(run.Client, "/token-classification", """{"inputs": ["w5 w6 w7 w8", "w9"], "aggregation_strategy": "simple", "ignore_labels": []}""");
            Assert.Equal(HttpStatusCode.OK, status);
            var expected = models.TokenClassifier.TokenClassifier!.Run(["w5 w6 w7 w8", "w9"], new TokenClassificationOptions(AggregationStrategy.Simple, []));
            Assert.Equal(expected[0].Entities.Length, body[0].GetArrayLength());
            for (int e = 0; e < expected[0].Entities.Length; e++)
            {
                Assert.Equal(expected[0].Entities[e].Entity, body[0][e].GetProperty("entity_group").GetString());
                Assert.Equal((float)expected[0].Entities[e].Score, body[0][e].GetProperty("score").GetSingle());
            }
            (status, body, _) = await Post(run.Client, "/token-classification", """{"inputs": "w5 w6", "ignore_labels": []}""");
            Assert.Equal(2, body[0].GetArrayLength());
            Assert.Equal(1, body[0][0].GetProperty("index").GetInt32());
            Assert.True(body[0][0].TryGetProperty("entity", out _));
        }
        await using (var run = await RunningServer.StartAsync(models.QuestionAnswerer))
        {
            var (status, body, _) = await Post(run.Client, "/question-answering", """{"question": "w5 w6", "context": "w7 w8 w9 w10 w11", "top_k": 2}""");
            Assert.Equal(HttpStatusCode.OK, status);
            var expected = models.QuestionAnswerer.QuestionAnswerer!.Run("w5 w6", "w7 w8 w9 w10 w11", new QuestionAnsweringOptions(TopK: 2));
            Assert.Equal(expected.Answers.Length, body.GetArrayLength());
            Assert.Equal(expected.Answers[0].Text, body[0].GetProperty("answer").GetString());
            Assert.Equal((float)expected.Answers[0].Score, body[0].GetProperty("score").GetSingle());
            Assert.Equal(expected.Answers[0].Start, body[0].GetProperty("start").GetInt32());
        }
    }

    [Fact]
    public async Task ApiKeyIsRequiredWhenSet()
    {
        await using var run = await RunningServer.StartAsync(models.Classifier, new ServerOptions(ApiKey: "s3cret"));
        var (status, _) = await Get(run.Client, "/info");
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        run.Client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "s3cre");
        (status, _) = await Get(run.Client, "/info");
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        run.Client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "s3cret");
        (status, _) = await Get(run.Client, "/info");
        Assert.Equal(HttpStatusCode.OK, status);
        var (s2, _, _) = await Post(run.Client, "/predict", """{"inputs": "w5"}""");
        Assert.Equal(HttpStatusCode.OK, s2);

        await using var open = await RunningServer.StartAsync(models.Classifier);
        (status, _) = await Get(open.Client, "/info");
        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task BodiesOverTheLimitAre413WithoutAStackTrace()
    {
        await using var run = await RunningServer.StartAsync(models.Classifier, new ServerOptions(MaxBodyBytes: 1000));
        var (status, body, _) = await Post(run.Client, "/predict", $$"""{"inputs": {{Str(new string('w', 5000))}}}""");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        AssertError(body, "Validation", "length limit exceeded");
        Assert.DoesNotContain("   at ", body.GetProperty("error").GetString());
    }
}
