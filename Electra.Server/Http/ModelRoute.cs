using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Serialization.Metadata;
using System.Threading.Channels;
using Electra.Models.Pipelines;
using Electra.Server.Batching;
using Microsoft.AspNetCore.Http;

namespace Electra.Server.Http;

/// <summary>What a checked request asks the model to run.</summary>
/// <param name="Inputs">Its input count: the admission permits it takes.</param>
/// <param name="Characters">What <c>x-compute-characters</c> reports.</param>
/// <param name="Prepare">The pipeline call split at its forward pass; invoked (tokenizing) only once admitted.</param>
internal sealed record ModelCall<TResult>(int Inputs, int Characters, Func<PipelineWork<TResult>> Prepare);

/// <summary>
/// The one path of every route that runs the model: read the body, check it (the route's own rules), admit it (429 at
/// once when full), prepare it (tokenize) on this thread, queue it for a forward pass shared with other requests,
/// complete it back on this thread, add TEI's timing headers and write the answer.
/// </summary>
internal static class ModelRoute
{
    /// <summary>Builds a <see cref="ModelCall{TResult}"/> with its result type inferred from <paramref name="prepare"/>.</summary>
    public static ModelCall<TResult> Call<TResult>(int inputs, int characters, Func<PipelineWork<TResult>> prepare) =>
        new(inputs, characters, prepare);

    /// <summary>What TEI counts as a text's characters (Rust's <c>chars().count()</c>): Unicode scalar values, not UTF-16 units.</summary>
    public static int Characters(string text)
    {
        int pairs = 0;
        for (int i = 0; i < text.Length; i++)
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) pairs++;
        return text.Length - pairs;
    }

    /// <param name="http">The request.</param>
    /// <param name="s">The server.</param>
    /// <param name="requestType">The body's JSON type (a body that does not fit is a 422).</param>
    /// <param name="check">Validates the request (throwing <see cref="ApiError"/>) and says what to run.</param>
    /// <param name="respond">Writes the answer from the request and the pipeline's result.</param>
    public static async Task Run<TRequest, TResult>(HttpContext http, ServerContext s, JsonTypeInfo<TRequest> requestType,
        Func<TRequest, ModelCall<TResult>> check, Func<TRequest, TResult, Task> respond)
    {
        long start = Stopwatch.GetTimestamp();
        var request = await ServerContext.ReadAsync(http, requestType);
        var call = check(request);
        var (result, timing) = await QueueAsync(http, s, call);
        AddTimingHeaders(http, s, call.Characters, Stopwatch.GetElapsedTime(start), timing);
        await respond(request, result);
    }

    /// <summary>Admission, preparation on this thread, the forward pass on the inference thread, completion here.</summary>
    private static async Task<(TResult, Timing)> QueueAsync<TResult>(HttpContext http, ServerContext s, ModelCall<TResult> call)
    {
        if (!s.Queue.TryAdmit(call.Inputs))
        {
            s.Metrics.Overloaded();
            throw ApiError.Overloaded();
        }
        QueuedWork item;
        Task done;
        TimeSpan tokenization;
        try
        {
            long start = Stopwatch.GetTimestamp();
            var work = call.Prepare();
            tokenization = Stopwatch.GetElapsedTime(start);
            s.Metrics.Tokenization(tokenization);
            item = new QueuedWork(work, call.Inputs, http.RequestAborted);
            done = s.Queue.Enqueue(item);   // from here on the queue gives the permits back when the work leaves it
        }
        catch (ChannelClosedException)
        {
            s.Queue.Release(call.Inputs);
            throw new ApiError(ErrorType.Unhealthy, "the server is shutting down");
        }
        catch
        {
            s.Queue.Release(call.Inputs);
            throw;
        }
        await done.ConfigureAwait(false);
        var result = ((PipelineWork<TResult>)item.Work).Complete();
        return (result, new Timing(tokenization, item.QueueTime, item.InferenceTime, item.Work.TokenCount));
    }

    private readonly record struct Timing(TimeSpan Tokenization, TimeSpan Queue, TimeSpan Inference, int Tokens);

    /// <summary>TEI's response headers: x-compute-type, x-compute-characters, x-compute-tokens and the times in ms.</summary>
    private static void AddTimingHeaders(HttpContext http, ServerContext s, int characters, TimeSpan total, Timing t)
    {
        var h = http.Response.Headers;
        h["x-compute-type"] = s.ComputeType;
        h["x-compute-characters"] = characters.ToString(CultureInfo.InvariantCulture);
        h["x-compute-tokens"] = t.Tokens.ToString(CultureInfo.InvariantCulture);
        h["x-total-time"] = Ms(total);
        h["x-tokenization-time"] = Ms(t.Tokenization);
        h["x-queue-time"] = Ms(t.Queue);
        h["x-inference-time"] = Ms(t.Inference);
        h["x-compute-time"] = Ms(t.Tokenization + t.Queue + t.Inference);
    }

    private static string Ms(TimeSpan t) => ((long)t.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
}
