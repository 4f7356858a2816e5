using System.Collections.Immutable;
using Electra.Core.Tensors;

namespace Electra.Core.Checkpoints;

/// <summary>Storage element types found in checkpoints (safetensors names).</summary>
public enum StorageDType { F32, F16, BF16, F64, I64, I32, I16, I8, U8, Bool }

/// <summary>What a checkpoint says about one tensor, before reading it.</summary>
public sealed record TensorInfo(string Key, StorageDType DType, ImmutableArray<long> Shape)
{
    public long ElementCount => Shape.Aggregate(1L, (a, d) => a * d);
}

/// <summary>
/// A read-only set of named tensors from a checkpoint (safetensors, sharded safetensors, pytorch_model.bin).
/// Names are the checkpoint's own (transformers state-dict names). Dispose closes the files.
/// </summary>
public interface IWeightSource : IDisposable
{
    /// <summary>Where the tensors come from (a file or folder path), used in error messages.</summary>
    string Location { get; }

    /// <summary>Every tensor name in the checkpoint.</summary>
    IReadOnlyCollection<string> Keys { get; }

    bool Contains(string key);

    /// <summary>Dtype and shape of a tensor. Throws <see cref="Errors.WeightMismatchException"/> for an unknown key.</summary>
    TensorInfo GetInfo(string key);

    /// <summary>
    /// The tensor as float32 in memory the caller owns (F16, BF16 and F64 are converted exactly as torch's .float()
    /// does). Throws <see cref="Errors.WeightMismatchException"/> for an unknown key and
    /// <see cref="Errors.CheckpointFormatException"/> for a non-float dtype.
    /// </summary>
    HostTensor ReadFloat32(string key);

    /// <summary>
    /// Reads the tensor as <see cref="ReadFloat32"/> does and passes it to <paramref name="use"/>; the memory behind it
    /// is released when <paramref name="use"/> returns, so <paramref name="use"/> must copy what it keeps (a backend
    /// packing a linear or uploading to a device). Loading with it holds one tensor beyond what the backend keeps.
    /// By default the tensor is <see cref="ReadFloat32"/>'s, left to the GC.
    /// </summary>
    /// <example><code>
    /// var packed = weights.WithFloat32("encoder.layer.0.intermediate.dense.weight", w => backend.UploadLinear(w, null));
    /// </code></example>
    TResult WithFloat32<TResult>(string key, Func<HostTensor, TResult> use) => use(ReadFloat32(key));
}
