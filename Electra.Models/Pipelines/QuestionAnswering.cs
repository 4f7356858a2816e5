using System.Collections.Immutable;
using Electra.Core.Backend;
using Electra.Core.Errors;
using Electra.Tokenizer;

namespace Electra.Models.Pipelines;

/// <summary>transformers' question-answering options and defaults.</summary>
/// <param name="TopK">Answers to return, best first (fewer when there are not enough candidates).</param>
/// <param name="DocStride">Tokens of overlap between context windows; null: min(max_seq_len / 2, 128).</param>
/// <param name="MaxAnswerLen">Longest answer, in tokens.</param>
/// <param name="MaxSeqLen">Window length with question and special tokens; null: min(model max length, 384).</param>
/// <param name="HandleImpossibleAnswer">Also propose the empty answer, scored by [CLS] start × [CLS] end.</param>
/// <param name="AlignToWords">Widen answers to whole words (transformers' align_to_words).</param>
public sealed record QuestionAnsweringOptions(
    int TopK = 1,
    int? DocStride = null,
    int MaxAnswerLen = 15,
    int? MaxSeqLen = null,
    bool HandleImpossibleAnswer = false,
    bool AlignToWords = true)
{
    public static QuestionAnsweringOptions Default { get; } = new();
}

/// <summary>A question and the context to find its answer in.</summary>
public sealed record QuestionAnsweringInput(string Question, string Context);

/// <summary>An answer: transformers' <c>{"score", "start", "end", "answer"}</c>; Start/End are character offsets in the context.</summary>
public sealed record Answer(double Score, int Start, int End, string Text);

/// <summary>The answers to one question, best first.</summary>
public sealed record QuestionAnsweringResult(string Question, ImmutableArray<Answer> Answers);

/// <summary>The start and end logits of one window <c>[CLS] question [SEP] context[Window] [SEP]</c>.</summary>
public sealed record QaWindow(TokenWindow Window, int QuestionLength, float[] StartLogits, float[] EndLogits);

/// <summary>
/// transformers' question-answering pipeline with <c>ElectraForQuestionAnswering</c>: contexts of any length are split
/// into overlapping windows (<c>doc_stride</c>), span scores are start × end probabilities within each window
/// (context tokens and [CLS] only, at most <c>max_answer_len</c> tokens), answers are mapped back to character spans
/// of the context, and the best <c>top_k</c> over all windows are returned.
/// </summary>
/// <example><code>
/// var qa = QuestionAnswering.Load("my-squad-model", backend);
/// var answer = qa.Run(new QuestionAnsweringInput("Who wrote it?", "It was written by Mary Shelley.")).Answers[0].Text;
/// </code></example>
public sealed class QuestionAnswering
{
    public PipelineModel Pipeline { get; }

    public QuestionAnswering(PipelineModel pipeline) =>
        Pipeline = pipeline.For(ElectraArchitecture.ElectraForQuestionAnswering, "question answering");

    public static QuestionAnswering Load(string modelDirectory, IBackend backend, PipelineSettings? settings = null) =>
        new(PipelineModel.Load(modelDirectory, backend, ElectraArchitecture.ElectraForQuestionAnswering, "question answering", settings));

    public QuestionAnsweringResult Run(string question, string context, QuestionAnsweringOptions? options = null) =>
        Run([new QuestionAnsweringInput(question, context)], options)[0];

    public QuestionAnsweringResult Run(QuestionAnsweringInput input, QuestionAnsweringOptions? options = null) =>
        Run([input], options)[0];

    /// <exception cref="InputException">an option is out of range, a question or context is empty, or a question leaves no room for context.</exception>
    public ImmutableArray<QuestionAnsweringResult> Run(IReadOnlyList<QuestionAnsweringInput> inputs, QuestionAnsweringOptions? options = null) =>
        Prepare(inputs, options).Run();

    /// <summary>The call split at its forward pass (see <see cref="PipelineWork"/>); inputs are tokenized and windowed here.</summary>
    /// <exception cref="InputException">an option is out of range, a question or context is empty, or a question leaves no room for context.</exception>
    public PipelineWork<ImmutableArray<QuestionAnsweringResult>> Prepare(IReadOnlyList<QuestionAnsweringInput> inputs, QuestionAnsweringOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var o = options ?? QuestionAnsweringOptions.Default;
        if (o.TopK < 1) throw new InputException($"top_k should be >= 1 (got {o.TopK})");
        if (o.MaxAnswerLen < 1) throw new InputException($"max_answer_len should be >= 1 (got {o.MaxAnswerLen})");
        var p = Pipeline;
        int maxSeqLen = Math.Min(o.MaxSeqLen ?? Math.Min(p.MaxLength, 384), p.MaxLength);
        int docStride = o.DocStride ?? Math.Min(maxSeqLen / 2, 128);
        var tok = p.Tokenizer;

        var rows = new List<TokenRow>();
        var plans = new List<(BertEncoding Context, int QuestionLength, IReadOnlyList<TokenWindow> Windows, int FirstRow)>();
        for (int i = 0; i < inputs.Count; i++)
        {
            var (question, context) = (inputs[i].Question, inputs[i].Context);
            if (string.IsNullOrEmpty(question)) throw new InputException($"input {i}: the question is empty");
            if (string.IsNullOrEmpty(context)) throw new InputException($"input {i}: the context is empty");
            var q = p.EncodePlain(question);
            var c = p.EncodePlain(context);
            int room = maxSeqLen - q.Length - 3;
            if (room <= 0)
                throw new InputException($"input {i}: the question has {q.Length} tokens, which leaves no room for context in {maxSeqLen} tokens");
            IReadOnlyList<TokenWindow> windows;
            try { windows = TokenWindows.Split(c.Length, room, docStride); }
            catch (InputException ex) { throw new InputException($"input {i}: doc_stride {docStride} is too large for the {room} context tokens that fit beside the question ({ex.Message})"); }
            plans.Add((c, q.Length, windows, rows.Count));
            foreach (var w in windows) rows.Add(WindowRow(tok, q, c, w));
        }
        return new(p, rows, [new OutputSpec("start_logits", true), new OutputSpec("end_logits", true)], outputs =>
        {
            var results = ImmutableArray.CreateBuilder<QuestionAnsweringResult>(inputs.Count);
            for (int i = 0; i < inputs.Count; i++)
            {
                var (c, qLen, windows, first) = plans[i];
                var scored = windows.Select((w, k) => new QaWindow(w, qLen, outputs[first + k][0], outputs[first + k][1])).ToList();
                results.Add(new QuestionAnsweringResult(inputs[i].Question, Postprocess(inputs[i].Context, c, scored, o)));
            }
            return results.MoveToImmutable();
        });
    }

    /// <summary><c>[CLS] question [SEP] context[window] [SEP]</c> with token types 0 … 0 then the pair type.</summary>
    private static TokenRow WindowRow(BertTokenizer tok, BertEncoding question, BertEncoding context, TokenWindow w)
    {
        int length = question.Length + w.Length + 3;
        var ids = new int[length];
        var types = new int[length];
        ids[0] = tok.ClsTokenId;
        question.InputIds.CopyTo(ids, 1);
        ids[question.Length + 1] = tok.SepTokenId;
        context.InputIds.AsSpan(w.Start, w.Length).CopyTo(ids.AsSpan(question.Length + 2));
        ids[^1] = tok.SepTokenId;
        types.AsSpan(question.Length + 2).Fill(tok.Options.PairTypeId);
        return new TokenRow(ids, types);
    }

    /// <summary>
    /// The post-processing alone, as transformers' QuestionAnsweringPipeline.postprocess: per window, logits outside
    /// the context (except [CLS]) are set to −10000, softmax, [CLS] zeroed after noting the null score, spans decoded;
    /// then all windows' answers sorted and the best top_k kept. <paramref name="context"/> is the context's encoding
    /// without special tokens (offsets and word ids).
    /// </summary>
    public static ImmutableArray<Answer> Postprocess(string contextText, BertEncoding context, IReadOnlyList<QaWindow> windows,
        QuestionAnsweringOptions options)
    {
        double minNullScore = 1_000_000;
        var answers = new List<Answer>();
        var wordSpans = WordSpans(context);
        foreach (var window in windows)
        {
            int length = window.StartLogits.Length;
            int contextFrom = window.QuestionLength + 2;
            int contextTo = contextFrom + window.Window.Length;
            var desired = new bool[length];
            desired[0] = true;
            for (int t = contextFrom; t < contextTo && t < length; t++) desired[t] = true;
            var start = PipelineMath.Softmax(Masked(window.StartLogits, desired));
            var end = PipelineMath.Softmax(Masked(window.EndLogits, desired));
            if (options.HandleImpossibleAnswer) minNullScore = Math.Min(minNullScore, start[0] * end[0]);
            start[0] = end[0] = 0;
            foreach (var (s, e, score) in DecodeSpans(start, end, options.TopK, options.MaxAnswerLen, desired))
            {
                var (from, to) = CharSpan(context, wordSpans, window.Window.Start - contextFrom, s, e, contextFrom, contextTo, options.AlignToWords);
                // A zero-score span may end before it starts; Python's slice then gives "".
                answers.Add(new Answer(score, from, to, to > from ? contextText[from..to] : ""));
            }
        }
        if (options.HandleImpossibleAnswer) answers.Add(new Answer(minNullScore, 0, 0, ""));
        return answers.OrderByDescending(a => a.Score).Take(options.TopK).ToImmutableArray();
    }

    private static double[] Masked(float[] logits, bool[] desired)
    {
        var result = new double[logits.Length];
        for (int i = 0; i < logits.Length; i++) result[i] = desired[i] ? logits[i] : -10000.0;
        return result;
    }

    /// <summary>
    /// transformers' decode_spans: score(s, e) = start[s] · end[e] for s ≤ e &lt; s + max_answer_len (0 elsewhere);
    /// the top_k of all (s, e) by score, then those whose ends are both desired tokens.
    /// </summary>
    public static IReadOnlyList<(int Start, int End, double Score)> DecodeSpans(double[] start, double[] end, int topK,
        int maxAnswerLen, bool[] desired)
    {
        int n = start.Length;
        var scores = new double[(long)n * n];
        for (int s = 0; s < n; s++)
            for (int e = s; e < n && e - s < maxAnswerLen; e++)
                scores[s * n + e] = start[s] * end[e];
        var best = PipelineMath.TopK(scores, topK);
        var spans = new List<(int, int, double)>(best.Length);
        foreach (var flat in best)
        {
            int s = flat / n, e = flat % n;
            if (desired[s] && desired[e]) spans.Add((s, e, scores[flat]));
        }
        return spans;
    }

    /// <summary>Character span of every word of the context: from its first token's start to its last token's end.</summary>
    private static Dictionary<int, (int Start, int End)> WordSpans(BertEncoding context)
    {
        var spans = new Dictionary<int, (int Start, int End)>();
        for (int t = 0; t < context.Length; t++)
        {
            if (context.WordIds[t] is not int w) continue;
            var o = context.Offsets[t];
            spans[w] = spans.TryGetValue(w, out var span) ? (Math.Min(span.Start, o.Start), Math.Max(span.End, o.End)) : (o.Start, o.End);
        }
        return spans;
    }

    /// <summary>
    /// Token positions of a window → characters of the context: whole words (token_to_word, word_to_chars) when
    /// aligning, else the tokens' own offsets; a position outside the context ([CLS]) maps to (0, 0) as in transformers.
    /// </summary>
    private static (int Start, int End) CharSpan(BertEncoding context, Dictionary<int, (int Start, int End)> words, int shift,
        int s, int e, int contextFrom, int contextTo, bool align)
    {
        bool inContext(int t) => t >= contextFrom && t < contextTo;
        if (!inContext(s) || !inContext(e)) return (0, 0);
        int ts = s + shift, te = e + shift;
        if (align && context.WordIds[ts] is int ws && context.WordIds[te] is int we)
            return (words[ws].Start, words[we].End);
        return (context.Offsets[ts].Start, context.Offsets[te].End);
    }
}
