using System.Collections.Immutable;
using Electra.Core.Backend;
using Electra.Core.Checkpoints;
using Electra.Core.Configuration;
using Electra.Core.Tensors;
using Electra.Models.Forward;
using Electra.Models.Heads;
using Electra.Models.Layers;
using Electra.Models.Loading;
using Electra.Models.Losses;

namespace Electra.Models;

/// <summary>
/// A loaded ELECTRA model: config, the body and head weights resident on a backend, and the forward pass.
/// Thread-safe: each <c>Forward</c> call runs in its own backend pass. The weights belong to the backend,
/// which the caller owns and disposes.
/// </summary>
public sealed record ElectraPretrained
{
    /// <summary>
    /// A model from modules built by hand (or changed with <c>with</c>): <paramref name="body"/> and
    /// <paramref name="head"/> hold weights already on <paramref name="backend"/> (its <c>UploadWeight</c> and
    /// <c>UploadLinear</c>); the head decides the class (<see cref="Architecture"/>).
    /// </summary>
    /// <param name="config">The model's config (sizes, labels, is_decoder).</param>
    /// <param name="body">Embeddings, projection and encoder.</param>
    /// <param name="head">The task head; it decides the class.</param>
    /// <param name="backend">Where the weights live; the caller owns and disposes it.</param>
    /// <param name="report">What loading found; null for a model that was not loaded from a checkpoint.</param>
    public ElectraPretrained(ElectraConfig config, ElectraBody body, Head head, IBackend backend, LoadReport? report = null)
    {
        Config = config;
        Body = body;
        Head = head;
        Backend = backend;
        Report = report ?? new LoadReport(ImmutableArray<string>.Empty, "");
    }

    public ElectraConfig Config { get; init; }

    /// <summary>The transformers class: the head's.</summary>
    public ElectraArchitecture Architecture => Head.Architecture;

    public ElectraBody Body { get; init; }
    public Head Head { get; init; }
    public IBackend Backend { get; init; }
    public LoadReport Report { get; init; }

    /// <summary>The folder the model was loaded from, when it came from one.</summary>
    public string? SourceDirectory { get; init; }

    /// <summary>
    /// Loads config.json and the weights of a model folder onto <paramref name="backend"/>. The head is
    /// <paramref name="architecture"/> when given, else config.json's <c>architectures[0]</c>, else ElectraModel.
    /// </summary>
    /// <param name="modelDirectory">A model folder, or a hub id such as <c>google/electra-small-discriminator</c>:
    /// downloaded into the Hugging Face cache where files are missing, or found there offline when
    /// <c>HF_HUB_OFFLINE=1</c> (see <see cref="Electra.Hub.ModelResolver"/>; resolve it yourself for a revision,
    /// other <see cref="Electra.Hub.HubOptions"/> or progress reports).</param>
    /// <param name="backend">Where the weights go; the caller owns and disposes it.</param>
    /// <param name="architecture">The head; null for config.json's.</param>
    /// <exception cref="Electra.Core.Errors.ModelNotFoundException">neither a folder nor a hub id, or offline and not cached.</exception>
    /// <exception cref="Electra.Hub.HubException">the download failed.</exception>
    public static ElectraPretrained Load(string modelDirectory, IBackend backend, ElectraArchitecture? architecture = null)
    {
        modelDirectory = Electra.Hub.ModelResolver.Resolve(modelDirectory);
        var config = ElectraConfigJson.Load(Path.Combine(modelDirectory, "config.json"));
        using var weights = CheckpointLoader.Open(modelDirectory);
        return FromWeights(config, weights, backend, architecture) with { SourceDirectory = modelDirectory };
    }

    /// <summary>Builds a model from a config and any weight source (e.g. tensors made in memory).</summary>
    public static ElectraPretrained FromWeights(ElectraConfig config, IWeightSource weights, IBackend backend,
        ElectraArchitecture? architecture = null)
    {
        var arch = architecture ?? (config.Architecture is { } name ? ElectraArchitectures.Parse(name) : ElectraArchitecture.ElectraModel);
        var (body, head, report) = ModelWeightsLoader.Load(weights, config, arch, backend);
        return new ElectraPretrained(config, body, head, backend, report);
    }

    /// <summary>Runs the model. Losses are computed when the inputs carry labels (as transformers does).</summary>
    /// <param name="inputs">Ids [B, S] or embeddings [B, S, E] (with a choice dimension C after B for multiple
    /// choice), optional masks, labels and answer positions.</param>
    /// <param name="options">Extra outputs (hidden states, attentions) and padding skipping; null means
    /// <see cref="ForwardOptions.Default"/>.</param>
    /// <param name="cancellationToken">Checked before every layer and before the head runs; a cancelled pass releases
    /// its activations and leaves the model usable.</param>
    /// <exception cref="Electra.Core.Errors.InputException">inputs are inconsistent with each other or the model.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public ModelOutput Forward(ModelInputs inputs, ForwardOptions? options = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var buffers = ForwardBuffersCache.Shared.Borrow();
        try
        {
            using var pass = Backend.BeginPass();
            return ModelForward.Run(this, pass, inputs, options ?? ForwardOptions.Default, buffers, new FreshOutputs(), cancellationToken);
        }
        finally
        {
            ForwardBuffersCache.Shared.Return(buffers);
        }
    }

    /// <summary>
    /// Runs the model on rows of different lengths, unpadded (see <see cref="RaggedBatch"/>), and returns the head's
    /// outputs per row: <see cref="TokenValues"/>, <see cref="StartEndLogits"/> or <see cref="RowValues"/> (see
    /// <see cref="RowOutputs"/>). Each row's outputs are those of the row run alone.
    /// </summary>
    /// <exception cref="Electra.Core.Errors.InputException">an id, token type or row length the model cannot take.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public RowOutputs Forward(RaggedBatch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        cancellationToken.ThrowIfCancellationRequested();
        return RaggedForward.Run(this, batch, cancellationToken);
    }

    /// <summary><see cref="Forward(RaggedBatch, CancellationToken)"/> for a head known to give <typeparamref name="TOutputs"/>.</summary>
    /// <exception cref="Electra.Core.Errors.ConfigException">the model's head gives another kind of output.</exception>
    public TOutputs Forward<TOutputs>(RaggedBatch batch, CancellationToken cancellationToken = default) where TOutputs : RowOutputs
    {
        if (!typeof(TOutputs).IsAssignableFrom(Head.RowOutputsType))
            throw new Electra.Core.Errors.ConfigException(
                $"an {Architecture} model gives {Head.RowOutputsType.Name} per row, not {typeof(TOutputs).Name}");
        return (TOutputs)Forward(batch, cancellationToken);
    }

    /// <summary>
    /// A session for many forwards in a row (see <see cref="ForwardSession"/>): once warmed up on a shape it allocates
    /// nothing per forward, and its outputs are overwritten by its next forward. Dispose it when done.
    /// </summary>
    public ForwardSession CreateSession() => new(this);
}
