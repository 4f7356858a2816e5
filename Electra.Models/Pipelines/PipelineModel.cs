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

    internal float[][][] Run(IReadOnlyList<TokenRow> rows, params OutputSpec[] outputs) =>
        rows.Count == 0 ? [] : BatchRunner.Run(Model, rows, Settings.BatchSize, Tokenizer.PadTokenId, outputs);

    /// <summary>The text's word pieces without special tokens, with offsets and word ids.</summary>
    internal BertEncoding EncodePlain(string text) =>
        Tokenizer.Encode(text ?? throw new ArgumentNullException(nameof(text)), null, new EncodeOptions { AddSpecialTokens = false });
}
