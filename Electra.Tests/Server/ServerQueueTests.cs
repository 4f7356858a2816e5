using System.Net;
using Electra.Server;
using static Electra.Tests.Server.HttpJson;

namespace Electra.Tests.Server;

/// <summary>
/// Backpressure, disconnects and shutdown. The inference thread is held at its gate (before each batch) so that
/// requests line up in a known state; nothing here depends on timing, only waits (bounded) for states to be reached.
/// </summary>
public sealed class ServerQueueTests(ServerModels models) : IClassFixture<ServerModels>
{
    private static async Task Until(Func<bool> condition, string what)
    {
        for (int i = 0; i < 3000 && !condition(); i++) await Task.Delay(10);
        Assert.True(condition(), $"timed out waiting until {what}");
    }

    [Fact]
    public async Task AFullQueueRefusesAtOnceWith429AndAnswersEveryAdmittedRequest()
    {
        await using var run = await RunningServer.StartAsync(models.Classifier, new ServerOptions(MaxConcurrentRequests: 4));
        run.Server.Queue.Gate.Reset();
        var admitted = Enumerable.Range(0, 4).Select(i => Post(run.Client, "/predict", $$"""{"inputs": "w{{5 + i}} w9"}""")).ToList();
        await Until(() => run.Server.Queue.PermitsInUse == 4, "4 requests are admitted");
        // A bounded flood while the queue is full: every one is refused at once (the gate is still closed).
        for (int i = 0; i < 20; i++)
        {
            var (status, body, _) = await Post(run.Client, "/predict", """{"inputs": "w5"}""");
            Assert.Equal(HttpStatusCode.TooManyRequests, status);
            AssertError(body, "Overloaded", "Model is overloaded");
        }
        // A client batch takes one permit per input: 2 inputs do not fit either.
        var (s2, _, _) = await Post(run.Client, "/predict", """{"inputs": [["w5"], ["w6"]]}""");
        Assert.Equal(HttpStatusCode.TooManyRequests, s2);
        Assert.Equal(4, run.Server.Queue.PermitsInUse);
        run.Server.Queue.Gate.Set();
        foreach (var r in await Task.WhenAll(admitted)) Assert.Equal(HttpStatusCode.OK, r.Status);
        await Until(() => run.Server.Queue.PermitsInUse == 0, "the permits are back");
        var (s3, _, _) = await Post(run.Client, "/predict", """{"inputs": "w5"}""");
        Assert.Equal(HttpStatusCode.OK, s3);
        Assert.Contains("electra_requests_refused_total{reason=\"overloaded\"} 21\n", run.Server.Metrics.Render());
    }

    [Fact]
    public async Task ARequestWhoseClientDisconnectedIsDroppedBeforeItRuns()
    {
        await using var run = await RunningServer.StartAsync(models.Classifier);
        run.Server.Queue.Gate.Reset();
        using var leaving = new CancellationTokenSource();
        var gone = Post(run.Client, "/predict", """{"inputs": "w5 w6 w7"}""", leaving.Token);
        var staying = Post(run.Client, "/predict", """{"inputs": "w8 w9"}""");
        await Until(() => run.Server.Queue.QueueSize == 2, "both requests are queued");
        leaving.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => gone);
        // The server notices the closed connection; the queued work is answered (cancelled) before the gate opens.
        await Until(() => run.Server.Queue.PermitsInUse == 2 && run.Server.State.InFlight == 1, "the server sees the client gone");
        run.Server.Queue.Gate.Set();
        var (status, _, _) = await staying;
        Assert.Equal(HttpStatusCode.OK, status);
        await Until(() => run.Server.Metrics.DroppedCount == 1, "the work is dropped");
        Assert.Equal(1, run.Server.Metrics.BatchCount);   // one forward pass: the staying request's alone
        Assert.Contains("electra_batch_tokens_bucket{le=\"4\"} 1\n", run.Server.Metrics.Render());   // [CLS] w8 w9 [SEP]
        Assert.Equal(0, run.Server.Queue.PermitsInUse);
    }

    [Fact]
    public async Task StoppingAnswersEveryRequestInFlightAndRefusesNewOnesWith503()
    {
        var run = await RunningServer.StartAsync(models.Classifier, new ServerOptions(ShutdownTimeout: TimeSpan.FromMinutes(1)));
        run.Server.Queue.Gate.Reset();
        var inFlight = Enumerable.Range(0, 6).Select(i => Post(run.Client, "/predict", $$"""{"inputs": "w{{5 + i}} w{{20 + i}}"}""")).ToList();
        await Until(() => run.Server.Queue.QueueSize == 6, "6 requests are queued");
        var stopping = run.Server.StopAsync();
        await Until(() => run.Server.State.Draining, "the server is draining");
        var (status, body, _) = await Post(run.Client, "/predict", """{"inputs": "w5"}""");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        AssertError(body, "Unhealthy", "shutting down");
        var (health, _) = await Get(run.Client, "/health");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health);
        run.Server.Queue.Gate.Set();
        await stopping;
        var answers = await Task.WhenAll(inFlight);
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.Status));
        var expected = models.Classifier.Classifier!.Run("w5 w20", new Electra.Models.Pipelines.TextClassificationOptions(TopK: null, Electra.Models.Pipelines.ClassificationFunction.Softmax));
        Assert.Equal((float)expected.Labels[0].Score, answers[0].Body[0].GetProperty("score").GetSingle());
        await run.DisposeAsync();
    }
}
