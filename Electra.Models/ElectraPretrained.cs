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
/// Thread-safe: each <see cref="Forward"/> call runs in its own backend pass. The weights belong to the backend,
/// which the caller owns and disposes.
/// </summary>
public sealed record ElectraPretrained
{
    private ElectraPretrained(ElectraConfig config, ElectraArchitecture architecture, ElectraBody body, Head head,
        IBackend backend, LoadReport report)
    {
        Config = config;
        Architecture = architecture;
        Body = body;
        Head = head;
        Backend = backend;
        Report = report;
    }

    public ElectraConfig Config { get; }
    public ElectraArchitecture Architecture { get; }
    public ElectraBody Body { get; }
    public Head Head { get; }
    public IBackend Backend { get; }
    public LoadReport Report { get; }

    /// <summary>The folder the model was loaded from, when it came from one.</summary>
    public string? SourceDirectory { get; init; }

    /// <summary>
    /// Loads config.json and the weights of a model folder onto <paramref name="backend"/>. The head is
    /// <paramref name="architecture"/> when given, else config.json's <c>architectures[0]</c>, else ElectraModel.
    /// </summary>
    public static ElectraPretrained Load(string modelDirectory, IBackend backend, ElectraArchitecture? architecture = null)
    {
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
        return new ElectraPretrained(config, arch, body, head, backend, report);
    }

    /// <summary>Runs the model. Losses are computed when the inputs carry labels (as transformers does).</summary>
    /// <param name="cancellationToken">Checked before every layer and before the head runs; a cancelled pass releases
    /// its activations and leaves the model usable.</param>
    /// <exception cref="Electra.Core.Errors.InputException">inputs are inconsistent with each other or the model.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public ModelOutput Forward(ModelInputs inputs, ForwardOptions? options = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        options ??= ForwardOptions.Default;
        var prepared = PreparedInputs.From(inputs, Config, Architecture == ElectraArchitecture.ElectraForMultipleChoice);
        using var pass = Backend.BeginPass();
        if (PackedLayoutFor(inputs, prepared, options) is { } layout)
            return PackedForward(pass, inputs, prepared, layout, cancellationToken);
        var embedded = EmbeddingsForward.Run(pass, Body, prepared);
        var mask = pass.Upload(prepared.AttentionMask.Select(m => (float)m).ToArray(), [prepared.Rows, prepared.Seq]);
        var encoded = EncoderForward.Run(pass, Body, embedded, mask, options, default, keepCache: false, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        var tensors = HeadForward.Run(pass, Head, encoded.Last, prepared).ToBuilder();
        for (int i = 0; i < encoded.Hidden.Length; i++)
            tensors[$"hidden_states.{i}"] = new HostTensor(encoded.Hidden[i].Shape, pass.Read(encoded.Hidden[i]));
        for (int i = 0; i < encoded.Attentions.Length; i++)
            tensors[$"attentions.{i}"] = new HostTensor(encoded.Attentions[i].Shape, pass.Read(encoded.Attentions[i]));
        var loss = HeadLosses.Compute(Architecture, Config, inputs, prepared, tensors);
        if (loss is { } l) tensors["loss"] = HostTensor.Create([(float)l], 1);
        return new ModelOutput(tensors.ToImmutable(), Config.Id2Label);
    }

    /// <summary>The packed layout when <see cref="ForwardOptions.SkipPadding"/> can apply exactly, else null.</summary>
    private PackedLayout? PackedLayoutFor(ModelInputs inputs, PreparedInputs prepared, ForwardOptions options)
    {
        if (!options.SkipPadding || options.OutputHiddenStates || options.OutputAttentions) return null;
        bool hasLabels = inputs.Labels is not null || inputs.FloatLabels is not null ||
                         inputs.StartPositions is not null || inputs.EndPositions is not null;
        return hasLabels ? null : PackedLayout.Plan(prepared, Head);
    }

    /// <summary>Embeddings, encoder and per-token heads on the layout's rows only; see <see cref="ForwardOptions.SkipPadding"/>.</summary>
    private ModelOutput PackedForward(IForwardPass pass, ModelInputs inputs, PreparedInputs prepared, PackedLayout layout,
        CancellationToken cancellationToken)
    {
        int[] shape = [layout.Count];
        var embedded = EmbeddingsForward.Run(pass, Body, prepared.InputIds is { } ids ? layout.Pack(ids) : null,
            prepared.InputsEmbeds is { } embeds ? layout.Pack(embeds, Config.EmbeddingSize) : null,
            layout.Pack(prepared.PositionIds), layout.Pack(prepared.TokenTypeIds), shape);
        var mask = pass.Upload(layout.KeyMask, shape);
        var encoded = EncoderForward.RunPacked(pass, Body, embedded, mask, layout.SegmentStarts, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        var tensors = HeadForward.Run(pass, Head, encoded, prepared, layout);
        return new ModelOutput(tensors, Config.Id2Label);
    }
}
