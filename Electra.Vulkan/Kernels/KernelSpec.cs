using System.Collections.Immutable;

namespace Electra.Vulkan.Kernels;

/// <summary>
/// A compute pipeline variant: which shader, how many storage buffers it binds, its push-constant size, and the
/// specialization constants (workgroup and tile sizes) it is built with.
/// </summary>
internal sealed record KernelSpec(string Shader, int Bindings, int PushConstantBytes, ImmutableArray<uint> Constants)
{
    public bool Equals(KernelSpec? other) =>
        other is not null && Shader == other.Shader && Bindings == other.Bindings &&
        PushConstantBytes == other.PushConstantBytes && Constants.SequenceEqual(other.Constants);

    public override int GetHashCode()
    {
        var h = new HashCode();
        h.Add(Shader);
        foreach (var c in Constants) h.Add(c);
        return h.ToHashCode();
    }
}
