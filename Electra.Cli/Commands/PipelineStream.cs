using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using Electra.Core.Errors;

namespace Electra.Cli.Commands;

/// <summary>
/// Runs a pipeline over a stream of inputs in chunks and writes each result as soon as its chunk is done, in input
/// order. When an input is bad, every result before it is written first, then the error names the input's line.
/// </summary>
internal static partial class PipelineStream
{
    public static void Run<TIn, TOut>(IEnumerable<Numbered<TIn>> inputs, int chunkSize,
        Func<IReadOnlyList<TIn>, IReadOnlyList<TOut>> run, Action<TIn, TOut> write, ProgressBar? progress, TextWriter stdout)
    {
        var pending = new List<Numbered<TIn>>();
        int done = 0;
        void Flush()
        {
            if (pending.Count == 0) return;
            IReadOnlyList<TOut> outputs;
            try
            {
                outputs = run(pending.Select(p => p.Item).ToList());
            }
            catch (InputException)
            {
                // Find the culprit one input at a time, writing the good ones before it.
                foreach (var p in pending)
                {
                    TOut single;
                    try { single = run([p.Item])[0]; }
                    catch (InputException ex) { throw new InputException($"{p.Where}: {WithoutInputIndex(ex.Message)}"); }
                    write(p.Item, single);
                    stdout.Flush();
                }
                throw;
            }
            for (int i = 0; i < pending.Count; i++) write(pending[i].Item, outputs[i]);
            stdout.Flush();
            done += pending.Count;
            pending.Clear();
            progress?.Update(done);
        }

        using (var e = inputs.GetEnumerator())
        {
            while (true)
            {
                bool more;
                try { more = e.MoveNext(); }
                catch (InputException)
                {
                    Flush();
                    progress?.Finish(done);
                    throw;
                }
                if (!more) break;
                pending.Add(e.Current);
                if (pending.Count >= chunkSize) Flush();
            }
        }
        Flush();
        progress?.Finish(done);
    }

    /// <summary>Positional arguments as numbered inputs.</summary>
    public static IEnumerable<Numbered<T>> FromArguments<T>(IReadOnlyList<string> texts, Func<string, T> make) =>
        texts.Select((t, i) => new Numbered<T>($"argument {i + 1}", make(t)));

    /// <summary>Writes one JSON object as a line.</summary>
    public static void WriteJsonLine(TextWriter stdout, Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }
        stdout.WriteLine(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
    }

    /// <summary>A score as JSON: float precision is all the model has, so no more digits than that.</summary>
    /// <summary>
    /// Writes a score as a JSON number. JSON has no NaN or infinity (the writer throws on them): a non-finite score
    /// (non-finite weights) is written as <c>null</c> with <c>"{name}_nonfinite": "NaN" | "Infinity" | "-Infinity"</c>
    /// beside it.
    /// </summary>
    public static void WriteScore(Utf8JsonWriter w, string name, double score)
    {
        float value = (float)score;
        if (float.IsFinite(value))
        {
            w.WriteNumber(name, value);
            return;
        }
        w.WriteNull(name);
        w.WriteString(name + "_nonfinite", float.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
    }

    private static string WithoutInputIndex(string message) => InputIndex().Replace(message, "");

    [GeneratedRegex(@"^input \d+: ")]
    private static partial Regex InputIndex();
}
