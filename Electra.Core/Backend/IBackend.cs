using System.Collections.Immutable;
using Electra.Core.Tensors;

namespace Electra.Core.Backend;

/// <summary>
/// A compute backend. Weights are uploaded (and prepared) once at load time and stay resident; each forward pass
/// runs inside an <see cref="IForwardPass"/>, which a GPU backend may record completely before running it.
/// A backend is safe to use from several threads, each with its own pass.
/// </summary>
public interface IBackend : IDisposable
{
    /// <summary>Short name, e.g. "cpu" or "vulkan".</summary>
    string Name { get; }

    /// <summary>Human-readable description of the device the backend runs on.</summary>
    string DeviceDescription { get; }

    /// <summary>Uploads a weight tensor (embedding tables, LayerNorm parameters) for the backend's lifetime.</summary>
    DeviceTensor UploadWeight(HostTensor weight);

    /// <summary>
    /// Prepares a linear layer: <paramref name="weight"/> is [Out, In] (PyTorch layout), <paramref name="bias"/> is [Out] or null.
    /// </summary>
    LinearWeight UploadLinear(HostTensor weight, HostTensor? bias);

    /// <summary>
    /// <see cref="UploadLinear(HostTensor, HostTensor?)"/> for a linear with a known place in the model: a backend asked to
    /// run reduced precision (the CPU backend's int8 option) uses it for <see cref="LinearRole.EncoderLayer"/> linears
    /// only. By default the role is ignored.
    /// </summary>
    LinearWeight UploadLinear(HostTensor weight, HostTensor? bias, LinearRole role) => UploadLinear(weight, bias);

    /// <summary>Starts a forward pass. Dispose it to release its activations.</summary>
    IForwardPass BeginPass();
}

/// <summary>
/// One forward computation. Every operation returns a new tensor owned by this pass. A GPU backend may only record
/// the operations and execute them at the first <see cref="Read(DeviceTensor)"/>; the CPU backend computes eagerly.
/// A pass is used by one thread at a time.
/// </summary>
public interface IForwardPass : IDisposable
{
    IBackend Backend { get; }

    /// <summary>Uploads float activations or inputs (e.g. inputs_embeds), row-major with the given shape.</summary>
    DeviceTensor Upload(ReadOnlySpan<float> data, ReadOnlySpan<int> shape);

    /// <summary>Uploads int32 data (ids, positions) with the given shape.</summary>
    DeviceTensor UploadInt(ReadOnlySpan<int> data, ReadOnlySpan<int> shape);

    /// <summary>Reads a tensor back to the host, running whatever is recorded so far. Float32 tensors only.</summary>
    float[] Read(DeviceTensor tensor);

    /// <summary>
    /// Reads a tensor into <paramref name="destination"/>, which must hold exactly its element count (float32 only),
    /// so that a caller that reads every forward can reuse its own buffer. By default a copy of <see cref="Read(DeviceTensor)"/>.
    /// </summary>
    void Read(DeviceTensor tensor, Span<float> destination)
    {
        if (destination.Length != tensor.ElementCount)
            throw new Errors.InputException($"reading {tensor} needs a destination of {tensor.ElementCount} values, got {destination.Length}");
        Read(tensor).CopyTo(destination);
    }

    /// <summary>
    /// Releases every activation of this pass at once and keeps the pass open for another computation, so that a
    /// caller running many forwards (a session) can keep one pass. Every tensor the pass produced is dead afterwards.
    /// Returns false where the backend cannot do that; the caller then disposes the pass and begins a new one.
    /// </summary>
    bool TryReleaseAll() => false;

    /// <summary>
    /// Tells the pass that an activation will not be used again, so its memory can be reused. Optional hint;
    /// using the tensor afterwards is an error, and so is releasing it twice: a backend may hand the very same tensor
    /// object back as the result of a later operation (the CPU backend does, to allocate nothing per operation).
    /// </summary>
    void Release(DeviceTensor tensor);

    /// <summary>A view of <paramref name="x"/> with another shape of the same element count (no copy).</summary>
    DeviceTensor Reshape(DeviceTensor x, ReadOnlySpan<int> shape);

    /// <summary>Embedding lookup: table [R, E], ids int32 of shape [...] with values in [0, R) → [..., E].</summary>
    DeviceTensor Gather(DeviceTensor table, DeviceTensor ids);

    /// <summary>
    /// An encoder's embeddings: LayerNorm((words[ids] + types[typeIds]) + positions[positionIds])·gamma + beta over the
    /// last dimension → [..., E]. A backend may run it as one operation; by default it is three <see cref="Gather"/>s,
    /// an <see cref="Add"/> and a <see cref="LayerNorm"/> (<see cref="EmbeddingsReference.Compose"/>).
    /// </summary>
    /// <exception cref="Errors.InputException">an id outside its table, or shapes that do not fit.</exception>
    DeviceTensor Embed(EmbeddingInputs inputs) => EmbeddingsReference.Compose(this, inputs);

    /// <summary>Element-wise a + b (same shape).</summary>
    DeviceTensor Add(DeviceTensor a, DeviceTensor b);

    /// <summary>y = act(x·Wᵀ + b) over the last dimension of x: [..., In] → [..., Out].</summary>
    DeviceTensor Linear(DeviceTensor x, LinearWeight weight, Activation activation = Activation.Identity);

    /// <summary>
    /// Several linears of the same input (e.g. an attention layer's query, key and value projections):
    /// result i = x·W_iᵀ + b_i. A backend may run them as one operation; by default they run one after another.
    /// </summary>
    ImmutableArray<DeviceTensor> Linears(DeviceTensor x, ImmutableArray<LinearWeight> weights) => DefaultLinears(x, weights);

    /// <summary>
    /// <see cref="Linears(DeviceTensor, ImmutableArray{LinearWeight})"/> writing result i to <paramref name="results"/>[i]
    /// (as many results as weights), so that a caller running it every layer needs no array per call.
    /// By default it goes through the <see cref="ImmutableArray{T}"/> overload.
    /// </summary>
    void Linears(DeviceTensor x, ReadOnlySpan<LinearWeight> weights, Span<DeviceTensor> results)
    {
        if (results.Length != weights.Length)
            throw new Errors.InputException($"{weights.Length} weights need {weights.Length} results, got {results.Length}");
        Linears(x, ImmutableArray.Create(weights)).AsSpan().CopyTo(results);
    }

    /// <summary>
    /// A transformer feed-forward block: down(act(up(x))), [..., In] → [..., Out]. A backend may run it in row blocks so
    /// that the wide intermediate never exists for all rows at once; by default it is two <see cref="Linear"/> calls.
    /// </summary>
    DeviceTensor FeedForward(DeviceTensor x, LinearWeight up, Activation activation, LinearWeight down)
    {
        var intermediate = Linear(x, up, activation);
        var output = Linear(intermediate, down);
        Release(intermediate);
        return output;
    }

    /// <summary>
    /// LayerNorm(x·Wᵀ + b + residual) over the last dimension, [..., In] → [..., Out] (a transformer's output dense
    /// layer with its residual and LayerNorm); residual is [..., Out], gamma and beta [Out]. A backend may compute the
    /// LayerNorm while the linear's rows are still in cache; by default it is <see cref="Linear"/> then
    /// <see cref="LayerNorm"/>, and either way the result is the same.
    /// </summary>
    DeviceTensor LinearLayerNorm(DeviceTensor x, LinearWeight weight, DeviceTensor residual, DeviceTensor gamma, DeviceTensor beta,
        float eps)
    {
        var projected = Linear(x, weight);
        var output = LayerNorm(projected, residual, gamma, beta, eps);
        Release(projected);
        return output;
    }

    /// <summary>
    /// LayerNorm(down(act(up(x))) + x): the <see cref="FeedForward"/> block with its residual (its own input) and
    /// LayerNorm, as a transformer's output layer applies them. By default it is <see cref="FeedForward"/> then
    /// <see cref="LayerNorm"/>, and either way the result is the same.
    /// </summary>
    DeviceTensor FeedForwardLayerNorm(DeviceTensor x, LinearWeight up, Activation activation, LinearWeight down,
        DeviceTensor gamma, DeviceTensor beta, float eps)
    {
        var output = FeedForward(x, up, activation, down);
        var normalized = LayerNorm(output, x, gamma, beta, eps);
        Release(output);
        return normalized;
    }

    /// <summary>The default <see cref="Linears(DeviceTensor, ImmutableArray{LinearWeight})"/>: one <see cref="Linear"/> per weight.</summary>
    ImmutableArray<DeviceTensor> DefaultLinears(DeviceTensor x, ImmutableArray<LinearWeight> weights)
    {
        var results = ImmutableArray.CreateBuilder<DeviceTensor>(weights.Length);
        foreach (var w in weights) results.Add(Linear(x, w));
        return results.MoveToImmutable();
    }

    /// <summary>Element-wise activation.</summary>
    DeviceTensor Activate(DeviceTensor x, Activation activation);

    /// <summary>
    /// LayerNorm over the last dimension of (x + residual) (residual may be null), biased variance, then ·gamma + beta.
    /// </summary>
    DeviceTensor LayerNorm(DeviceTensor x, DeviceTensor? residual, DeviceTensor gamma, DeviceTensor beta, float eps);

    /// <summary>
    /// Multi-head scaled dot-product attention with transformers' additive-mask semantics.
    /// q [B, Sq, H], k and v [B, Sk, H] (H = heads · headDim); keyMask float [B, Sk] of 1 (attend) / 0 (masked).
    /// Scores are q·kᵀ/√headDim plus (1 − mask)·float.MinValue; when <paramref name="causal"/> is set, query i
    /// (at absolute position Sk − Sq + i) also masks keys j &gt; Sk − Sq + i the same way. Softmax is max-shifted.
    /// </summary>
    AttentionResult Attention(DeviceTensor q, DeviceTensor k, DeviceTensor v, DeviceTensor keyMask, int heads,
        bool causal, bool returnProbabilities);

    /// <summary>
    /// Self-attention of x [B, S, H]: the query, key and value projections (<see cref="Linears(DeviceTensor, ReadOnlySpan{LinearWeight}, Span{DeviceTensor})"/>),
    /// then <see cref="Attention"/> over them without probabilities; returns the context [B, S, H]. A backend may fuse
    /// the two so that q, k and v never leave a core's cache, with the same results; by default they run one after
    /// the other and q, k and v are released.
    /// </summary>
    DeviceTensor SelfAttention(DeviceTensor x, LinearWeight query, LinearWeight key, LinearWeight value, DeviceTensor keyMask,
        int heads, bool causal) => UnfusedSelfAttention.Run(this, x, query, key, value, keyMask, heads, causal);

    /// <summary>
    /// Attention over packed rows of several sequences (unpadded execution): q, k and v are [T, H]
    /// (H = heads · headDim), the rows of sequence i being <c>segmentStarts[i] .. segmentStarts[i + 1] − 1</c>;
    /// <paramref name="segmentStarts"/> holds N + 1 ascending offsets, the first 0 and the last T. A query attends only
    /// to the keys of its own segment, with the same arithmetic as <see cref="Attention"/> on that segment alone:
    /// keyMask float [T] of 1/0 adds (1 − mask)·float.MinValue, and <paramref name="causal"/> masks the segment's keys
    /// after the query. Returns the context [T, H]. An empty segment contributes nothing.
    /// </summary>
    DeviceTensor AttentionSegments(DeviceTensor q, DeviceTensor k, DeviceTensor v, DeviceTensor keyMask,
        ImmutableArray<int> segmentStarts, int heads, bool causal);

    /// <summary>Concatenates [B, S1, H] and [B, S2, H] along the sequence axis → [B, S1 + S2, H] (key/value caches).</summary>
    DeviceTensor ConcatSequence(DeviceTensor first, DeviceTensor second);

    /// <summary>Picks one position per row: x [B, S, H], positions int32 [B] → [B, H].</summary>
    DeviceTensor SelectPositions(DeviceTensor x, DeviceTensor positions);

    /// <summary>Mean over the sequence axis (all positions, padding included, as transformers does): [B, S, H] → [B, H].</summary>
    DeviceTensor MeanOverSequence(DeviceTensor x);

    /// <summary>
    /// Pools the rows of each segment of a packed x [T, H] into one row → [N, H] (sentence embeddings), so that only the
    /// pooled rows need to leave the device. <paramref name="weights"/> is float [T] (0 leaves a row out, see
    /// <see cref="SegmentPooling"/>); <paramref name="segmentStarts"/> holds N + 1 ascending offsets, the first 0 and the
    /// last T. By default the pass reads x back and pools on the host (<see cref="SegmentPoolingReference"/>).
    /// </summary>
    /// <exception cref="Errors.InputException">a shape or an offset does not fit.</exception>
    DeviceTensor PoolSegments(DeviceTensor x, DeviceTensor weights, ImmutableArray<int> segmentStarts, SegmentPooling pooling) =>
        SegmentPoolingReference.PoolOnHost(this, x, weights, segmentStarts, pooling);
}
