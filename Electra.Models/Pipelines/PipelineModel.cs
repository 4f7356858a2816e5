using Electra.Core.Backend;
using Electra.Core.Errors;
using Electra.Tokenizer;

namespace Electra.Models.Pipelines;

/// <summary>
/// What every pipeline holds: a loaded model with the head the task needs, its tokenizer and the run settings.
/// Immutable, so a pipeline is safe to call from several threads (each call runs its own forward passes).
/// </summary>
public sealed record PipelineModel
{
    public ElectraPretrained Model { get; }
    public BertTokenizer Tokenizer { get; }
    public PipelineSettings Settings { get; }

    /// <summary>Longest sequence (special tokens included) a forward pass is given.</summary>
    public int MaxLength { get; }

    /// <exception cref="ConfigException">the model's head is not <paramref name="required"/>, or settings are invalid.</exception>
    public PipelineModel(ElectraPretrained model, BertTokenizer tokenizer, PipelineSettings? settings, ElectraArchitecture required, string task)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        Tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
        Settings = settings ?? PipelineSettings.Default;
        Require(model, required, task);
        if (Settings.BatchSize < 1) throw new ConfigException($"batch size must be at least 1, got {Settings.BatchSize}");
        if (tokenizer.Vocabulary.Count > model.Config.VocabSize)
            throw new ConfigException(
                $"the tokenizer has {tokenizer.Vocabulary.Count} tokens but the model's vocab_size is {model.Config.VocabSize}");
        int limit = Math.Min(tokenizer.Options.ModelMaxLength ?? int.MaxValue, model.Config.MaxPositionEmbeddings);
        MaxLength = Settings.MaxLength is int m ? Math.Min(m, model.Config.MaxPositionEmbeddings) : limit;
        if (MaxLength < 3) throw new ConfigException($"maximum length {MaxLength} leaves no room for text between [CLS] and [SEP]");
    }

    /// <summary>
    /// Loads the model folder (weights with the <paramref name="head"/> head, tokenizer files) onto <paramref name="backend"/>.
    /// A hub id is resolved (downloaded where missing) as <see cref="ElectraPretrained.Load"/> resolves it.
    /// </summary>
    public static PipelineModel Load(string modelDirectory, IBackend backend, ElectraArchitecture head, string task, PipelineSettings? settings = null)
    {
        modelDirectory = Electra.Hub.ModelResolver.Resolve(modelDirectory);
        var tokenizer = BertTokenizer.Load(modelDirectory);
        var model = ElectraPretrained.Load(modelDirectory, backend, head);
        return new PipelineModel(model, tokenizer, settings, head, task);
    }

    /// <summary>This pipeline model, checked to have the head <paramref name="task"/> needs.</summary>
    /// <exception cref="ConfigException">the model's head is another.</exception>
    internal PipelineModel For(ElectraArchitecture required, string task)
    {
        Require(Model, required, task);
        return this;
    }

    private static void Require(ElectraPretrained model, ElectraArchitecture required, string task)
    {
        if (model.Architecture != required)
            throw new ConfigException($"{task} needs an {required} model, but the model is an {model.Architecture}");
    }

    /// <summary>A per-token head's outputs, a [length × width] slice per row.</summary>
    internal RowForward<ReadOnlyMemory<float>> TokenForward => new((Model, nameof(TokenValues)), (batch, _) =>
    {
        var outputs = Model.Forward<TokenValues>(batch);
        return PerRow(outputs.Count, outputs.Row);
    });

    /// <summary>A per-row head's outputs (sequence classification), a vector per row.</summary>
    internal RowForward<ReadOnlyMemory<float>> SequenceForward => new((Model, nameof(RowValues)), (batch, _) =>
    {
        var outputs = Model.Forward<RowValues>(batch);
        return PerRow(outputs.Count, outputs.Row);
    });

    /// <summary>Question answering's start and end logits, one of each per token of every row.</summary>
    internal RowForward<(ReadOnlyMemory<float> Start, ReadOnlyMemory<float> End)> StartEndForward => new((Model, nameof(StartEndLogits)), (batch, _) =>
    {
        var outputs = Model.Forward<StartEndLogits>(batch);
        return PerRow(outputs.Count, r => (outputs.StartLogits.Row(r), outputs.EndLogits.Row(r)));
    });

    private static T[] PerRow<T>(int count, Func<int, T> row)
    {
        var rows = new T[count];
        for (int r = 0; r < count; r++) rows[r] = row(r);
        return rows;
    }

    /// <summary>A call on this model: <paramref name="rows"/> run through <paramref name="forward"/>, their outputs completed into a result.</summary>
    internal PipelineWork<TResult> Work<TRow, TResult>(IReadOnlyList<TokenRow> rows, RowForward<TRow> forward, Func<TRow[], TResult> complete) =>
        new RowWork<TRow, TResult>(this, rows, forward, complete);
}
