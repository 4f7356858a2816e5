using Electra.Core.Backend;

namespace Electra.Models.Forward;

/// <summary>
/// An activation owned by the code that holds it: disposing it releases the tensor to its pass
/// (<see cref="IForwardPass.Release"/>). Every intermediate of the forward is held in one, with <c>using</c>, so that
/// the ownership rules are in the code: a tensor a function returns is not scoped (the caller owns it), every other
/// tensor it makes is. <c>default</c> owns nothing (for a tensor that is handed on only sometimes).
/// A struct, so that scoping allocates nothing per operation.
/// </summary>
internal readonly struct Scoped(IForwardPass pass, DeviceTensor tensor) : IDisposable
{
    public DeviceTensor Tensor => tensor;

    public static implicit operator DeviceTensor(Scoped scoped) => scoped.Tensor;

    public void Dispose()
    {
        if (tensor is not null) pass.Release(tensor);
    }
}

internal static class ScopedExtensions
{
    /// <summary>Takes ownership of <paramref name="tensor"/> until the returned value is disposed.</summary>
    public static Scoped Scope(this IForwardPass pass, DeviceTensor tensor) => new(pass, tensor);
}
