using Electra.Core.Backend;
using Electra.Core.Checkpoints;
using Electra.Core.Errors;
using Electra.Core.Tensors;

namespace Electra.Models.Loading;

/// <summary>
/// Reads named tensors from a checkpoint with shape checks, uploads them to a backend, and remembers which keys were
/// used so that unexpected keys can be reported.
/// </summary>
internal sealed class CheckpointWeightReader(IWeightSource source, IBackend backend) : WeightReader
{
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> Used => _used;

    /// <summary>Keys of the tensors read so far that hold NaN or ±Inf, with the count of such values.</summary>
    public Dictionary<string, long> NonFinite { get; } = new(StringComparer.Ordinal);

    /// <summary>Values in the tensors read so far (a tensor read twice, e.g. tied embeddings, counts once).</summary>
    public long ParameterCount { get; private set; }

    public IWeightSource Source => source;

    public HostTensor Read(string key, params int[] shape)
    {
        CheckShape(key, shape);
        var tensor = source.ReadFloat32(key);
        Account(key, tensor);
        return tensor;
    }

    /// <summary>
    /// Reads a tensor that <paramref name="use"/> copies (packs or uploads): its memory is released when
    /// <paramref name="use"/> returns, so loading never holds a second copy of the weights.
    /// </summary>
    public T ReadTransient<T>(string key, int[] shape, Func<HostTensor, T> use)
    {
        CheckShape(key, shape);
        return source.WithFloat32(key, tensor =>
        {
            Account(key, tensor);
            return use(tensor);
        });
    }

    private void CheckShape(string key, int[] shape)
    {
        if (!source.Contains(key))
            throw new WeightMismatchException(key,
                $"{source.Location}: missing tensor '{key}' (expected shape {TensorShape.Format(shape)})");
        var info = source.GetInfo(key);
        if (!info.Shape.Select(d => d).SequenceEqual(shape.Select(d => (long)d)))
            throw new WeightMismatchException(key,
                $"{source.Location}: tensor '{key}' has shape {TensorShape.Format(info.Shape)}, expected {TensorShape.Format(shape)}");
    }

    private void Account(string key, HostTensor tensor)
    {
        if (_used.Add(key)) ParameterCount += tensor.Span.Length;
        long nonFinite = CountNonFinite(tensor.Span);
        if (nonFinite > 0) NonFinite[key] = nonFinite;
    }

    private static long CountNonFinite(ReadOnlySpan<float> values)
    {
        // Every weight is scanned at load: the vectorized all-finite test keeps that to memory speed, and the
        // element-by-element count runs only for a tensor that has something to report.
        if (System.Numerics.Tensors.TensorPrimitives.IsFiniteAll(values)) return 0;
        long count = 0;
        foreach (var v in values)
            if (!float.IsFinite(v)) count++;
        return count;
    }

    public override DeviceTensor Weight(string key, params int[] shape) => backend.UploadWeight(Read(key, shape));

    // A backend packs (CPU) or uploads (Vulkan) a linear's weight, so the file's copy lives only during that call.
    // Embedding tables and LayerNorm vectors (Weight) may be used in place by a backend and are read into owned memory.
    public override LinearWeight Linear(string weightKey, string biasKey, int outFeatures, int inFeatures,
        LinearRole role = LinearRole.Other)
    {
        CheckShape(weightKey, [outFeatures, inFeatures]);   // a missing weight is reported before its bias
        var bias = Read(biasKey, outFeatures);
        return ReadTransient(weightKey, [outFeatures, inFeatures], w => backend.UploadLinear(w, bias, role));
    }

    // Only checked and scanned: nothing of it is kept.
    public override void Ignore(string key, params int[] shape)
    {
        if (source.Contains(key)) ReadTransient(key, shape, _ => 0);
    }
}
