using System.Collections.Immutable;

namespace Electra.Vulkan.Kernels;

/// <summary>
/// A compute pipeline variant: which shader, how many storage buffers it binds, its push-constant size, and the
/// specialization constants (workgroup and tile sizes) it is built with. <paramref name="Writes"/> is the mask of
/// bindings the shader writes (0: the last one), which the recorder needs to place barriers only on real hazards.
/// <paramref name="RequiredSubgroupSize"/> (0: any) is asked of the pipeline, with full subgroups.
/// </summary>
internal sealed record KernelSpec(string Shader, int Bindings, int PushConstantBytes, ImmutableArray<uint> Constants, uint Writes = 0,
    uint RequiredSubgroupSize = 0)
{
    public uint WriteMask => Writes != 0 ? Writes : 1u << (Bindings - 1);

    public bool Equals(KernelSpec? other) =>
        other is not null && Shader == other.Shader && Bindings == other.Bindings &&
        PushConstantBytes == other.PushConstantBytes && Writes == other.Writes && RequiredSubgroupSize == other.RequiredSubgroupSize &&
        Constants.SequenceEqual(other.Constants);

    public override int GetHashCode()
    {
        var h = new HashCode();
        h.Add(Shader);
        foreach (var c in Constants) h.Add(c);
        return h.ToHashCode();
    }
}
