using System.Collections.Immutable;
using Electra.Core.Errors;

namespace Electra.Models.Generation;

/// <summary>Greedy generation options: stop at <see cref="EosTokenId"/> (default: config.json's) or at <see cref="MaxLength"/> tokens in all.</summary>
public sealed record GenerationOptions(int MaxLength = 32, int? EosTokenId = null);

/// <summary>Greedy decoding with the key/value cache (arg-max of the last position's logits at every step).</summary>
public static class GreedyGeneration
{
    /// <summary>Extends <paramref name="prompt"/> until the end token or the length limit; returns prompt + generated ids.</summary>
    public static ImmutableArray<int> Generate(this ElectraPretrained model, IReadOnlyList<int> prompt, GenerationOptions? options = null)
    {
        options ??= new GenerationOptions();
        if (prompt.Count == 0) throw new InputException("generation needs a non-empty prompt");
        int limit = Math.Min(options.MaxLength, model.Config.MaxPositionEmbeddings);
        int? eos = options.EosTokenId ?? model.Config.EosTokenId;
        var tokens = prompt.ToList();
        using var session = model.StartDecoding(1);
        var logits = session.Step([tokens.ToArray()]);
        while (tokens.Count < limit)
        {
            int vocab = model.Config.VocabSize;
            var last = logits.Span.Slice(logits.Span.Length - vocab, vocab);
            int next = 0;
            for (int i = 1; i < vocab; i++) if (last[i] > last[next]) next = i;
            tokens.Add(next);
            if (next == eos || tokens.Count >= limit) break;
            logits = session.Step([[next]]);
        }
        return tokens.ToImmutableArray();
    }

    /// <summary>Starts an incremental decoding session for <paramref name="rows"/> sequences.</summary>
    public static DecodingSession StartDecoding(this ElectraPretrained model, int rows = 1) => new(model, rows);
}
