using System.Collections.Immutable;
using Electra.Core.Backend;
using Electra.Core.Errors;
using Electra.Core.Tensors;
using Electra.Models.Forward;
using Electra.Models.Heads;
using Electra.Models.Layers;

namespace Electra.Models.Generation;

/// <summary>
/// Incremental decoding for ElectraForCausalLM: each <see cref="Step"/> feeds only the new tokens and reuses the
/// keys and values of earlier steps (transformers' past_key_values), so a prefix plus cached steps gives the same
/// logits as one full-sequence forward. Holds one backend pass (and its cache) until disposed; not thread-safe.
/// </summary>
public sealed class DecodingSession : IDisposable
{
    private readonly ElectraPretrained _model;
    private readonly IForwardPass _pass;
    private readonly int _rows;
    private readonly ForwardBuffers _buffers = new();
    private ImmutableArray<LayerCache> _cache = ImmutableArray<LayerCache>.Empty;

    internal DecodingSession(ElectraPretrained model, int rows)
    {
        if (!model.Config.IsDecoder || model.Head is not LanguageModelingHead)
            throw new InputException($"incremental decoding needs an ElectraForCausalLM with is_decoder true; this model is {model.Architecture} (is_decoder {model.Config.IsDecoder})");
        _model = model;
        _rows = rows;
        _pass = model.Backend.BeginPass();
    }

    /// <summary>Tokens seen so far (the cached length).</summary>
    public int Length { get; private set; }

    /// <summary>Feeds <paramref name="ids"/> [rows, n] (every row the same length, no padding) and returns their logits [rows, n, V].</summary>
    public HostTensor Step(int[][] ids)
    {
        if (ids.Length != _rows) throw new InputException($"this session decodes {_rows} rows, got {ids.Length}");
        var inputs = ModelInputs.FromIds(ids);
        var prepared = PreparedInputs.From(inputs, _model.Config, multipleChoice: false, pastLength: Length, defaults: _buffers.Defaults);
        var embedded = _model.Body.Embed(_pass, prepared);
        int keys = Length + prepared.Seq;
        ElectraEncoder.Result encoded;
        using (var mask = _pass.Scope(_pass.Upload(Enumerable.Repeat(1f, _rows * keys).ToArray(), [_rows, keys])))
            encoded = _model.Body.Encoder.Forward(_pass, embedded, mask, ForwardOptions.Default, _cache, keepCache: true);
        var outputs = new FreshOutputs();
        using (var last = _pass.Scope(encoded.Last))
            _model.Head.Forward(new HeadRun(_pass, prepared, _buffers, outputs, null), last);
        var logits = outputs.Taken["logits"];
        _cache = encoded.Cache;
        Length = keys;
        return logits;
    }

    public void Dispose() => _pass.Dispose();
}
