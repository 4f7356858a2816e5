using Electra.Core.Backend;
using Electra.Models.Layers;
using Electra.Models.Losses;

namespace Electra.Models.Forward;

/// <summary>
/// One forward of a model inside a pass: inputs → embeddings → encoder → head → outputs (and the loss when labels are
/// given). Shared by <see cref="ElectraPretrained.Forward(ModelInputs, ForwardOptions?, CancellationToken)"/> and <see cref="ForwardSession"/>, which differ only in
/// where the outputs go and how long the scratch lives.
/// </summary>
internal static class ModelForward
{
    public static ModelOutput Run(ElectraPretrained model, IForwardPass pass, ModelInputs inputs, ForwardOptions options,
        ForwardBuffers buffers, OutputSink outputs, CancellationToken cancellationToken)
    {
        outputs.Start();
        var prepared = PreparedInputs.From(inputs, model.Config, model.Architecture == ElectraArchitecture.ElectraForMultipleChoice,
            defaults: buffers.Defaults);
        if (CanSkipPadding(inputs, options) && buffers.Layout.TryPlan(prepared, model.Head))
            Packed(model, pass, prepared, buffers, outputs, cancellationToken);
        else
            Dense(model, pass, prepared, options, buffers, outputs, cancellationToken);
        if (HasLabels(inputs) && model.Head.Loss(new LossInputs(model.Config, inputs, prepared, outputs.Taken)) is { } loss)
            outputs.Take("loss", [1])[0] = (float)loss;
        return outputs.Finish(model.Config.Id2Label);
    }

    /// <summary>Whether <see cref="ForwardOptions.SkipPadding"/> may apply (the layout decides whether it can).</summary>
    private static bool CanSkipPadding(ModelInputs inputs, ForwardOptions options)
    {
        if (!options.SkipPadding || options.OutputHiddenStates || options.OutputAttentions) return false;
        return !HasLabels(inputs);
    }

    /// <summary>Whether the inputs carry anything a loss is computed from.</summary>
    private static bool HasLabels(ModelInputs inputs) => inputs.Labels is not null || inputs.FloatLabels is not null ||
                                                         inputs.StartPositions is not null || inputs.EndPositions is not null;

    private static void Dense(ElectraPretrained model, IForwardPass pass, in PreparedInputs prepared, ForwardOptions options,
        ForwardBuffers buffers, OutputSink outputs, CancellationToken cancellationToken)
    {
        var embedded = model.Body.Embed(pass, prepared);
        ElectraEncoder.Result encoded;
        using (var mask = pass.Scope(pass.Upload(buffers.FloatMask(prepared.AttentionMask.Span), [prepared.Rows, prepared.Seq])))
            encoded = model.Body.Encoder.Forward(pass, embedded, mask, options, default, keepCache: false, cancellationToken);
        // The hidden states list holds the last state too: release each tensor once.
        using var last = encoded.Hidden.IsEmpty ? pass.Scope(encoded.Last) : default;
        cancellationToken.ThrowIfCancellationRequested();
        model.Head.Forward(new HeadRun(pass, prepared, buffers, outputs, null), encoded.Last);
        for (int i = 0; i < encoded.Hidden.Length; i++)
            using (var hidden = pass.Scope(encoded.Hidden[i]))
                pass.Read(hidden, outputs.Take(OutputNames.HiddenState(i), hidden.Tensor.Shape.AsSpan()));
        for (int i = 0; i < encoded.Attentions.Length; i++)
            using (var attention = pass.Scope(encoded.Attentions[i]))
                pass.Read(attention, outputs.Take(OutputNames.Attention(i), attention.Tensor.Shape.AsSpan()));
    }

    /// <summary>Embeddings, encoder and per-token heads on the layout's rows only; see <see cref="ForwardOptions.SkipPadding"/>.</summary>
    private static void Packed(ElectraPretrained model, IForwardPass pass, in PreparedInputs prepared, ForwardBuffers buffers,
        OutputSink outputs, CancellationToken cancellationToken)
    {
        var layout = buffers.Layout;
        int count = layout.Count, embeddingSize = model.Config.EmbeddingSize;
        Span<int> ids = default;
        if (prepared.InputIds is { } givenIds)
        {
            ids = buffers.PackedIds(count);
            layout.Pack(givenIds.Span, ids);
        }
        Span<float> embeds = default;
        if (prepared.InputsEmbeds is { } givenEmbeds)
        {
            embeds = buffers.PackedEmbeds(count * embeddingSize);
            layout.Pack(givenEmbeds.Span, embeds, embeddingSize);
        }
        var positions = buffers.PackedPositions(count);
        layout.Pack(prepared.PositionIds.Span, positions);
        var types = buffers.PackedTypes(count);
        layout.Pack(prepared.TokenTypeIds.Span, types);

        var embedded = model.Body.Embed(pass, prepared.InputIds is not null, ids, embeds, positions, types, [count]);
        DeviceTensor encoded;
        using (var mask = pass.Scope(pass.Upload(layout.KeyMask, [count])))
            encoded = model.Body.Encoder.ForwardPacked(pass, embedded, mask, layout.SegmentStarts, cancellationToken);
        using var last = pass.Scope(encoded);
        cancellationToken.ThrowIfCancellationRequested();
        model.Head.Forward(new HeadRun(pass, prepared, buffers, outputs, layout), encoded);
    }
}

/// <summary>The names of per-layer outputs, made once rather than on every forward.</summary>
internal static class OutputNames
{
    private const int Cached = 64;
    private static readonly string[] HiddenStates = Enumerable.Range(0, Cached).Select(i => $"hidden_states.{i}").ToArray();
    private static readonly string[] Attentions = Enumerable.Range(0, Cached).Select(i => $"attentions.{i}").ToArray();

    public static string HiddenState(int layer) => layer < Cached ? HiddenStates[layer] : $"hidden_states.{layer}";
    public static string Attention(int layer) => layer < Cached ? Attentions[layer] : $"attentions.{layer}";
}
