using System.Net;
using System.Text.Json;
using Electra.Models.Pipelines;
using Electra.Server;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static Electra.Tests.Server.HttpJson;

namespace Electra.Tests.Server;

/// <summary>
/// Random request mixes in random arrival orders, batched together by the server under random token budgets: every
/// caller gets exactly its own answer, bitwise the in-process pipeline's for its inputs alone.
/// </summary>
public sealed class ServerBatchingProperties(ServerModels models) : IClassFixture<ServerModels>
{
    /// <summary>One request: 1–3 texts of 1–30 words (some pairs); detect requests mixed with predict ones when detecting.</summary>
    private sealed record Request(string[] Texts, string?[] Pairs);

    private static Gen<Request> RequestGen(int vocab) =>
        from count in Gen.Choose(1, 3)
        from seed in Gen.Choose(0, int.MaxValue)
        select Make(count, seed, vocab);

    private static Request Make(int count, int seed, int vocab)
    {
        var random = new Random(seed);
        var texts = new string[count];
        var pairs = new string?[count];
        for (int i = 0; i < count; i++)
        {
            texts[i] = ServerModels.Words(random, random.Next(1, 31), vocab);
            pairs[i] = random.Next(3) == 0 ? ServerModels.Words(random, random.Next(1, 8), vocab) : null;
        }
        return new Request(texts, pairs);
    }

    [Property(MaxTest = 12)]
    public Property PredictCallersGetTheirOwnBitwiseAnswers()
    {
        var classify = models.Classifier.Classifier!;
        var options = new TextClassificationOptions(TopK: null, ClassificationFunction.Softmax);
        var gen = from requests in Gen.ListOf(RequestGen(180)).Where(l => l.Count is > 0 and <= 12)
                  from budget in Gen.Elements(8, 40, 100, 16384)
                  from maxRequests in Gen.Elements<int?>(null, 1, 3)
                  from order in Gen.Shuffle(Enumerable.Range(0, requests.Count).ToArray())
                  select (requests.ToArray(), budget, maxRequests, order);
        return Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var (requests, budget, maxRequests, order) = c;
            var answers = RunAll(models.Classifier, new ServerOptions(MaxBatchTokens: budget, MaxBatchRequests: maxRequests), requests, order,
                r => JsonSerializer.Serialize(new { inputs = r.Texts.Select((t, i) => r.Pairs[i] is { } p ? new[] { t, p } : new[] { t }).ToArray(), truncate = true }),
                "/predict");
            for (int q = 0; q < requests.Length; q++)
            {
                var r = requests[q];
                var expected = classify.Run(r.Texts.Select((t, i) => (t, r.Pairs[i])).ToArray(), options);
                for (int i = 0; i < r.Texts.Length; i++)
                    for (int k = 0; k < expected[i].Labels.Length; k++)
                    {
                        var got = answers[q][i][k];
                        if (got.GetProperty("label").GetString() != expected[i].Labels[k].Label) return false;
                        if (BitConverter.SingleToInt32Bits(got.GetProperty("score").GetSingle()) != BitConverter.SingleToInt32Bits((float)expected[i].Labels[k].Score))
                            return false;
                    }
            }
            return true;
        });
    }

    [Property(MaxTest = 10)]
    public Property DetectCallersGetTheirOwnBitwiseAnswers()
    {
        var detect = models.Detector.Detector!;
        string[] sentences = ["The quick brown fox fake over the lazy dog", "He sat by the fire to read a horse.", "a", "the cat",
            "Replaced-token detection trains a discriminator to tell real tokens from plausible fakes that a small generator wrote."];
        var gen = from requests in Gen.ListOf(Gen.SubListOf(sentences).Where(l => l.Count > 0).Select(l => new Request(l.ToArray(), new string?[l.Count])))
                      .Where(l => l.Count is > 0 and <= 10)
                  from budget in Gen.Elements(10, 64, 16384)
                  from order in Gen.Shuffle(Enumerable.Range(0, requests.Count).ToArray())
                  select (requests.ToArray(), budget, order);
        return Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var (requests, budget, order) = c;
            var answers = RunAll(models.Detector, new ServerOptions(MaxBatchTokens: budget), requests, order,
                r => JsonSerializer.Serialize(new { inputs = r.Texts }), "/detect");
            for (int q = 0; q < requests.Length; q++)
            {
                var expected = detect.Run(requests[q].Texts);
                for (int i = 0; i < expected.Length; i++)
                {
                    if (answers[q][i].GetProperty("text").GetString() != requests[q].Texts[i]) return false;
                    var tokens = answers[q][i].GetProperty("tokens");
                    for (int t = 0; t < expected[i].Tokens.Length; t++)
                        if (BitConverter.SingleToInt32Bits(tokens[t].GetProperty("score").GetSingle()) != BitConverter.SingleToInt32Bits((float)expected[i].Tokens[t].Score))
                            return false;
                }
            }
            return true;
        });
    }

    /// <summary>Queues every request behind the closed gate in the given order, then lets the server batch them.</summary>
    private static JsonElement[] RunAll(ServedModel model, ServerOptions options, Request[] requests, int[] order, Func<Request, string> body, string path)
    {
        return Task.Run(async () =>
        {
            await using var run = await RunningServer.StartAsync(model, options);
            run.Server.Queue.Gate.Reset();
            var pending = new Task<(HttpStatusCode, JsonElement, HttpResponseMessage)>[requests.Length];
            for (int k = 0; k < order.Length; k++)
            {
                int q = order[k];
                pending[q] = Post(run.Client, path, body(requests[q]));
                // Arrival order is the shuffled order: wait for each to be queued before sending the next.
                for (int i = 0; i < 3000 && run.Server.Queue.QueueSize < k + 1 && !pending[q].IsCompleted; i++) await Task.Delay(5);
            }
            run.Server.Queue.Gate.Set();
            var results = await Task.WhenAll(pending);
            Assert.All(results, r => Assert.Equal(HttpStatusCode.OK, r.Item1));
            return results.Select(r => r.Item2).ToArray();
        }).GetAwaiter().GetResult();
    }
}
