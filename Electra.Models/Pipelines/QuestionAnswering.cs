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

/// <summary>
/// The start and end logits of one window <c>[CLS] question [SEP] context window [SEP]</c>: one of the encodings
/// <see cref="BertTokenizer.EncodeWindows"/> cuts the pair into (with its words, <see cref="EncodeOptions.ReturnWords"/>).
/// </summary>
public sealed record QaWindow(BertEncoding Encoding, float[] StartLogits, float[] EndLogits);

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
        var encode = new EncodeOptions
        {
            Truncation = TruncationStrategy.OnlySecond, TruncationSide = Side.Right, MaxLength = maxSeqLen, Stride = docStride,
            ReturnWords = true,
        };
        var rows = new List<TokenRow>();
        var windows = new ImmutableArray<BertEncoding>[inputs.Count];
        for (int i = 0; i < inputs.Count; i++)
        {
            var (question, context) = (inputs[i].Question, inputs[i].Context);
            if (string.IsNullOrEmpty(question)) throw new InputException($"input {i}: the question is empty");
            if (string.IsNullOrEmpty(context)) throw new InputException($"input {i}: the context is empty");
            try { windows[i] = p.Tokenizer.EncodeWindows(question, context, encode); }
            catch (TokenizerInputException)
            {
                CheckRoom(i, p.Tokenizer.TokenizeToIds(question).Length, maxSeqLen, docStride);
                throw;
            }
            // The tokenizer checks the stride only for a context it has to cut; it must fit every context.
            CheckRoom(i, windows[i][0].SequenceIds.Count(s => s == 0), maxSeqLen, docStride);
            foreach (var window in windows[i]) rows.Add(TokenRow.Of(window));
        }
        return p.Work(rows, p.StartEndForward, outputs =>
        {
            var results = ImmutableArray.CreateBuilder<QuestionAnsweringResult>(inputs.Count);
            for (int i = 0, at = 0; i < inputs.Count; at += windows[i].Length, i++)
            {
                var scored = windows[i].Select((w, k) => new QaWindow(w, outputs[at + k].Start.ToArray(), outputs[at + k].End.ToArray())).ToList();
                results.Add(new QuestionAnsweringResult(inputs[i].Question, Postprocess(inputs[i].Context, scored, o)));
            }
            return results.MoveToImmutable();
        });
    }

    /// <summary>The room a question of <paramref name="questionLength"/> tokens leaves for context, checked against the stride.</summary>
    /// <exception cref="InputException">no room, or a stride not smaller than the room.</exception>
    private static void CheckRoom(int input, int questionLength, int maxSeqLen, int docStride)
    {
        int room = maxSeqLen - questionLength - 3;
        if (room <= 0)
            throw new InputException($"input {input}: the question has {questionLength} tokens, which leaves no room for context in {maxSeqLen} tokens");
        if (docStride < 0 || docStride >= room)
            throw new InputException($"input {input}: doc_stride {docStride} is too large for the {room} context tokens that fit beside the question " +
                                     $"(stride {docStride} must be at least 0 and smaller than the window's {room} text tokens)");
    }

    /// <summary>
    /// The post-processing alone, as transformers' QuestionAnsweringPipeline.postprocess: per window, logits outside
    /// the context (except [CLS]) are set to −10000, softmax, [CLS] zeroed after noting the null score, spans decoded;
    /// then all windows' answers sorted and the best top_k kept. Each window's encoding maps its tokens back to the
    /// context's characters (offsets, and the context's words for align_to_words).
    /// </summary>
    public static ImmutableArray<Answer> Postprocess(string contextText, IReadOnlyList<QaWindow> windows, QuestionAnsweringOptions options)
    {
        double minNullScore = 1_000_000;
        var answers = new List<Answer>();
        foreach (var window in windows)
        {
            var e = window.Encoding;
            int length = window.StartLogits.Length;
            var desired = new bool[length];
            desired[0] = true;
            for (int t = 1; t < length && t < e.Length; t++) desired[t] = e.SequenceIds[t] == 1;
            var start = PipelineMath.Softmax(Masked(window.StartLogits, desired));
            var end = PipelineMath.Softmax(Masked(window.EndLogits, desired));
            if (options.HandleImpossibleAnswer) minNullScore = Math.Min(minNullScore, start[0] * end[0]);
            start[0] = end[0] = 0;
            foreach (var (s, t, score) in DecodeSpans(start, end, options.TopK, options.MaxAnswerLen, desired))
            {
                var (from, to) = CharSpan(e, s, t, options.AlignToWords);
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

    /// <summary>
    /// Token positions of a window → characters of the context: whole words (token_to_word, word_to_chars) when
    /// aligning, else the tokens' own offsets; a position outside the context ([CLS]) maps to (0, 0) as in transformers.
    /// </summary>
    private static (int Start, int End) CharSpan(BertEncoding window, int s, int e, bool align)
    {
        if (window.SequenceIds[s] != 1 || window.SequenceIds[e] != 1) return (0, 0);
        if (align && window.WordIds[s] is int ws && window.WordIds[e] is int we)
            return (window.PairWords[ws].Start, window.PairWords[we].End);
        return (window.Offsets[s].Start, window.Offsets[e].End);
    }
}
