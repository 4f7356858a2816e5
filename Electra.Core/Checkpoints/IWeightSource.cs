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
/// Names are the checkpoint's own (transformers state-dict names). Dispose releases file mappings.
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
    /// The tensor as float32 (F16, BF16 and F64 are converted exactly as torch's .float() does; F32 may be zero-copy
    /// over a memory map). Throws <see cref="Errors.WeightMismatchException"/> for an unknown key and
    /// <see cref="Errors.CheckpointFormatException"/> for a non-float dtype.
    /// </summary>
    HostTensor ReadFloat32(string key);
}
