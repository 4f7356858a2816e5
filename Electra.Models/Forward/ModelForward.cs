using Electra.Core.Backend;
using Electra.Models.Losses;

namespace Electra.Models.Forward;

/// <summary>
/// One forward of a model inside a pass: inputs → embeddings → encoder → head → outputs (and the loss when labels are
/// given). Shared by <see cref="ElectraPretrained.Forward"/> and <see cref="ForwardSession"/>, which differ only in
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
        if (HasLabels(inputs) && HeadLosses.Compute(model.Architecture, model.Config, inputs, prepared, outputs.Taken) is { } loss)
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
        var embedded = EmbeddingsForward.Run(pass, model.Body, prepared);
        var mask = pass.Upload(buffers.FloatMask(prepared.AttentionMask.Span), [prepared.Rows, prepared.Seq]);
        var encoded = EncoderForward.Run(pass, model.Body, embedded, mask, options, default, keepCache: false, cancellationToken);
        pass.Release(mask);
        cancellationToken.ThrowIfCancellationRequested();
        HeadForward.Run(pass, model.Head, encoded.Last, prepared, buffers, outputs);
        for (int i = 0; i < encoded.Hidden.Length; i++)
            pass.Read(encoded.Hidden[i], outputs.Take(OutputNames.HiddenState(i), encoded.Hidden[i].Shape.AsSpan()));
        for (int i = 0; i < encoded.Attentions.Length; i++)
            pass.Read(encoded.Attentions[i], outputs.Take(OutputNames.Attention(i), encoded.Attentions[i].Shape.AsSpan()));
        pass.Release(encoded.Last);
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

        var embedded = EmbeddingsForward.Run(pass, model.Body, prepared.InputIds is not null, ids, embeds, positions, types, [count]);
        var mask = pass.Upload(layout.KeyMask, [count]);
        var encoded = EncoderForward.RunPacked(pass, model.Body, embedded, mask, layout.SegmentStarts, cancellationToken);
        pass.Release(mask);
        cancellationToken.ThrowIfCancellationRequested();
        HeadForward.Run(pass, model.Head, encoded, prepared, buffers, outputs, layout);
        pass.Release(encoded);
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
